from cppcc_qa.cli.app import main

main()
