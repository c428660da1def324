namespace Speedera.Edge;

public static class EdgeProgram
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("Speedera.Edge: not implemented yet");
        return Task.FromResult(args.Length == 0 ? 1 : 1);
    }
}
