namespace Speedera.Edge;

// Not top-level statements: a global `Program` type would clash with the portal's in projects that see both.
internal static class Program
{
    public static Task<int> Main(string[] args) => EdgeProgram.RunAsync(args);
}
