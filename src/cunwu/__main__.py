from cunwu.cli import main

main()
