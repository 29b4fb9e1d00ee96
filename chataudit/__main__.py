from chataudit.cli import main

main()
