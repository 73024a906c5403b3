import std.algorithm, std.conv, std.range, std.stdio, std.string;

void main() {
    auto n = readln.strip.to!long;
    writeln(iota(1, n + 1).sum);
}
