fun main() {
    val n = readLine()!!.trim().toInt()
    println((1..n).sum())
}
