package reply

// TinyBundle is the directory of the tiny test shop's bundle, for the package's examples.
func TinyBundle() string { return tinyDir }
