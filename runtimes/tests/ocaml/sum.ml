let () =
  let n = Scanf.scanf " %d" (fun x -> x) in
  let rec go i acc = if i > n then acc else go (i + 1) (acc + i) in
  Printf.printf "%d\n" (go 1 0)
