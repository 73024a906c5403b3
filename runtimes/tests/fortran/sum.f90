program main
  implicit none
  integer :: n, i, s
  read *, n
  s = 0
  do i = 1, n
    s = s + i
  end do
  print '(i0)', s
end program main
