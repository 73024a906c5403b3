import java.util.Scanner;

public class Main {
    public static void main(String[] args) {
        int n = new Scanner(System.in).nextInt();
        long s = 0;
        for (int i = 1; i <= n; i++) s += i;
        System.out.println(s);
    }
}
