using System.Diagnostics;

namespace Andon.Bench;

/// <summary>
/// Bytes the standalone server allocates for one request of each kind the history scenario makes,
/// in a room of 1,000 messages: for each kind, a window of requests one after another while
/// dotnet-trace records the runtime's allocation ticks (<c>--profile gc-verbose</c>: one event about
/// every 100 KB allocated, with the type that crossed the mark). The ticks' sum over the window,
/// divided by the requests made in it, is the bytes a request (the server's own timers allocate
/// ~65 KB a second beside them, a fraction of a percent of any row). Every request carries the
/// bench user's bearer token, `/health/live`'s too, so that row is the pipeline and the token's
/// validation. Allocation is what the server GC's pauses grow with (bench/README.md point 19), so
/// this is the number to lower for the page's tail.
/// </summary>
internal static class Allocations
{
    public static async Task<int> RunAsync(bool quick, string resultsDir)
    {
        if (!File.Exists(Profiler.Tool))
        {
            Console.Error.WriteLine($"alloc needs dotnet-trace at {Profiler.Tool}: dotnet tool install -g dotnet-trace");
            return 2;
        }

        var report = new Report("alloc", quick, resultsDir);
        await using var server = await Server.StandaloneAsync();
        using var api = new AndonApi(server.Url);
        var (room, posted, _) = await History.SeedAsync(api, 1000, 50);
        var user = Server.UserId(0);
        var window = TimeSpan.FromSeconds(quick ? 3 : 8);
        report.Line($"Standalone, a room of {posted} messages sent through REST; each kind requested one after another for {window.TotalSeconds:F0} s while dotnet-trace recorded allocation ticks.");
        report.Line();
        report.Line("| request | n | KB allocated a request | the types allocating most (KB a request) |");
        report.Line("|---|---|---|---|");
        var results = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, path) in History.Requests(room, posted, new Random(7)))
        {
            for (var i = 0; i < 200; i++)
            {
                using var warm = await api.SendAsync(HttpMethod.Get, user, path());
                warm.EnsureSuccessStatusCode();
            }

            var file = Path.Combine(Path.GetTempPath(), $"andon-bench-alloc-{DateTime.UtcNow:HHmmss}.nettrace");
            using (var trace = Profiler.Collect(server.Pid, "gc-verbose", window + TimeSpan.FromSeconds(4), file))
            {
                // The session takes a moment to start; requests begin after it has and end before it stops.
                await Task.Delay(TimeSpan.FromSeconds(2));
                var n = 0;
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < window)
                {
                    using var response = await api.SendAsync(HttpMethod.Get, user, path());
                    await response.Content.ReadAsByteArrayAsync();
                    response.EnsureSuccessStatusCode();
                    n++;
                }

                await trace.WaitForExitAsync();
                var (total, byType, _) = Profiler.AllocationTicks(file);
                File.Delete(file);
                var ranked = byType.OrderByDescending(t => t.Value).Take(10).ToList();
                var top = ranked.Take(4).Select(t => $"{Profiler.ShortType(t.Key)} {t.Value / 1024.0 / n:F1}");
                report.Line($"| {name} | {n} | {total / 1024.0 / n:F1} | {string.Join(", ", top)} |");
                results[name] = new { requests = n, bytes_per_request = total / n, top_types = ranked.ToDictionary(t => t.Key, t => t.Value / n) };
            }
        }

        report.Line();
        report.Line("Ticks are samples (one about every 100 KB), thousands in each row's window. Every request carries a bearer token, `/health/live`'s too: that row is the request pipeline with the token's validation.");
        report.Set("results", results);
        await report.WriteAsync("Allocations a request (standalone)");
        return 0;
    }
}
