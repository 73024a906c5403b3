main :: IO ()
main = do
  n <- readLn :: IO Integer
  print (sum [1 .. n])
