program main;
var
  n, i: integer;
  s: longint;
begin
  readln(n);
  s := 0;
  for i := 1 to n do
    s := s + i;
  writeln(s);
end.
