namespace Andon.Bench;

/// <summary>
/// Two variants of the same load (A and B) against the same hosts, run in A-B-B-A order so that
/// neither always runs first or on a warmer server: one report row per run, and the mean of each
/// variant's two runs for the ratios.
/// </summary>
internal sealed class AbbaRuns
{
    private AbbaRuns(Dictionary<string, LoadResult> results) => Results = results;

    /// <summary>Each run's result, by "<c>name</c> #1" and "<c>name</c> #2".</summary>
    public Dictionary<string, LoadResult> Results { get; }

    /// <summary>
    /// Runs both variants twice (a fresh <see cref="LoadRun"/> from each factory every time). The first of
    /// <paramref name="servers"/> is the result's server (CPU, memory, trace); every one's CPU is reported
    /// and every one must go quiet before the next run.
    /// </summary>
    public static async Task<AbbaRuns> RunAsync(
        Report report, string column, (string Name, Func<LoadRun> Make) a, (string Name, Func<LoadRun> Make) b,
        double ratePerSender, TimeSpan duration, IReadOnlyList<Server> servers)
    {
        var results = new Dictionary<string, LoadResult>(StringComparer.Ordinal);
        report.Line(Report.Header.Replace("| server |", $"| {column} |", StringComparison.Ordinal));
        foreach (var ((name, make), take) in new[] { (a, 1), (b, 1), (b, 2), (a, 2) })
        {
            var run = make();
            await run.ConnectAllAsync();
            await Task.Delay(1000);
            var result = await run.RunAsync(ratePerSender, duration, 64, servers[0], watch: servers);
            run.AbortAll();
            results[$"{name} #{take}"] = result;
            report.Line(Report.Row($"{name} #{take}", result));
            foreach (var server in servers)
            {
                await server.SettleAsync();
            }
        }

        report.Line();
        return new AbbaRuns(results);
    }

    public double Mean(string name, Func<LoadResult, double> measure) =>
        (measure(Results[name + " #1"]) + measure(Results[name + " #2"])) / 2;
}
