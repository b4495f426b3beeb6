namespace Andon.Bench;

internal static class SlowConsumer
{
    public static Task<int> RunAsync(bool quick, string resultsDir)
    {
        _ = (quick, resultsDir);
        Console.Error.WriteLine("not yet");
        return Task.FromResult(2);
    }
}
