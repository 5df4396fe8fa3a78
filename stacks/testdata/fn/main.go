// Command fn is the function of the stacks tests' stacks other than
// Default (which builds ../../../lambda): a main package that imports
// nothing, so that its cross-builds compile little more than the runtime.
package main

func main() { println("stacks test function") }
