// Command broken does not compile; hostbuild's tests expect its build to fail.
package main

func main() { undefinedName() }
