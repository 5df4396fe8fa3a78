// Command broken does not compile; testbin's tests expect its build to fail.
package main

func main() { undefinedName() }
