namespace Andon.Bench;

/// <summary>
/// One slow consumer: a room of 200 at 100 msg/s with 2 KB messages, once with every member reading
/// and once with one member that never reads (and a small receive buffer). The others' p99 should
/// not move; the server should drop the slow one rather than buffer for it without end. B0, B1 and
/// Andon standalone, back to back.
/// </summary>
internal static class SlowConsumer
{
    public static async Task<int> RunAsync(bool quick, string resultsDir)
    {
        var duration = TimeSpan.FromSeconds(quick ? 15 : 30);
        var shape = new Fanout.Shape("slow", 1, 200, 100);
        var report = new Report("slow", quick, resultsDir);
        report.Line($"1 room × 200 members × 100 msg/s, 2 KB of content, {duration.TotalSeconds} s; second run with member 199 never reading.");
        report.Line();
        var rows = new List<string>();
        var results = new Dictionary<string, object>(StringComparer.Ordinal);
        var ratios = new List<string>();
        foreach (var target in new[] { "B0", "B1", "andon" })
        {
            Console.WriteLine($"-- {target}");
            await using var server = target switch
            {
                "B0" => await Server.B0Async(),
                "B1" => await Server.B1Async(),
                _ => await Server.StandaloneAsync(),
            };
            using var api = target == "andon" ? new AndonApi(server.Url) : null;
            await Fanout.WarmUpAsync(server, api, shape);
            var pair = new Dictionary<string, LoadResult>(StringComparer.Ordinal);
            foreach (var slow in new[] { false, true })
            {
                var specs = await Fanout.TopologyAsync(api, shape);
                var run = new LoadRun(server.Url, specs) { SlowIndex = slow ? specs.Count - 1 : null };
                await run.ConnectAllAsync();
                await Task.Delay(500);
                var result = await run.RunAsync(shape.RatePerRoom / shape.SendersPerRoom, duration, 2048, server);
                run.AbortAll();
                var name = slow ? "with slow" : "all reading";
                pair[name] = result;
                rows.Add(Report.Row($"{target}, {name}", result) + $" {result.SlowConsumer ?? ""} |");
                Console.WriteLine("   " + rows[^1]);
                await server.SettleAsync();
            }

            var ratio = Fanout.Ratio(pair["with slow"].Latency.P99Ms, pair["all reading"].Latency.P99Ms);
            results[target] = new { runs = pair, p99_with_slow_over_without = ratio };
            ratios.Add($"{target}: the others' p99 with the slow consumer ÷ without = {ratio}×.");
        }

        var header = Report.Header.Replace("| server |", "| server, run |", StringComparison.Ordinal).Split('\n');
        report.Line(header[0] + " slow consumer |");
        report.Line(header[1] + "---|");
        foreach (var row in rows)
        {
            report.Line(row);
        }

        report.Line();
        foreach (var line in ratios)
        {
            report.Line(line);
        }

        report.Set("results", results);
        await report.WriteAsync("One slow consumer");
        return 0;
    }
}
