// Command hello prints a greeting; hostbuild's tests build and run it.
package main

import "fmt"

func main() { fmt.Println("hello from a built binary") }
