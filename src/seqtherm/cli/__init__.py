"""The `seqtherm` command line: thin commands that parse options, call one library function and render."""
