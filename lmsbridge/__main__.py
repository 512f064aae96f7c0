from lmsbridge.cli import main

main()
