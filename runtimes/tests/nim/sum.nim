import std/strutils

let n = stdin.readLine.strip.parseInt
var s = 0
for i in 1 .. n:
  s += i
echo s
