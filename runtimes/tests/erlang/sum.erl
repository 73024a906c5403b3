#!/usr/bin/env escript
main(_) ->
    {ok, [N]} = io:fread("", "~d"),
    io:format("~b~n", [lists:sum(lists:seq(1, N))]).
