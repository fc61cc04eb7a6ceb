// Command loop is a WASI-command transform that never finishes.
package main

var n int

func main() {
	for {
		n++
	}
}
