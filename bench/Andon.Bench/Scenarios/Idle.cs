using System.Diagnostics;

namespace Andon.Bench;

/// <summary>
/// Idle connections held by one server: memory per connection (resident set growth ÷ connections),
/// CPU while idle (pings only), then one message in every room to show every connection is alive.
/// B1 first for scale, then Andon standalone. This sandbox caps open files at 20,000 per process (a
/// hard limit root cannot raise here), so the full run holds 19,000: a few hundred descriptors are
/// the runtime's and the server's own.
/// </summary>
internal static class Idle
{
    public static async Task<int> RunAsync(bool quick, string resultsDir)
    {
        var connections = quick ? 2_000 : 19_000;
        var perRoom = 200;
        var idle = TimeSpan.FromSeconds(quick ? 10 : 40);
        var report = new Report("idle", quick, resultsDir);
        report.Line($"{connections} WebSockets in {connections / perRoom} rooms of {perRoom}, held idle {idle.TotalSeconds} s (server pings every 30 s), then one message per room.");
        report.Line($"Open-file limit of this sandbox: soft {Limit("Max open files", 0)}, hard {Limit("Max open files", 1)} per process.");
        report.Line();
        report.Line("| server | connected | connect time s | RSS before MB | RSS after MB | KB per connection | CPU cores while idle | deliveries of the check | lost |");
        report.Line("|---|---|---|---|---|---|---|---|---|");
        var results = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var target in new[] { "B1", "andon" })
        {
            Console.WriteLine($"-- {target}");
            await using var server = target == "B1" ? await Server.B1Async() : await Server.StandaloneAsync();
            using var api = target == "andon" ? new AndonApi(server.Url) : null;
            var shape = new Fanout.Shape("idle", connections / perRoom, perRoom, 1);
            var specs = await Fanout.TopologyAsync(api, shape);
            GC.Collect();
            await Task.Delay(2000);
            var before = server.RssBytes();
            var run = new LoadRun(server.Url, specs);
            var clock = Stopwatch.StartNew();
            await run.ConnectAllAsync(128);
            var connectSeconds = clock.Elapsed.TotalSeconds;
            await Task.Delay(2000);
            var cpu0 = server.CpuSeconds();
            var dump = GcDump(server);
            await Task.Delay(idle);
            await dump;
            var cpuIdle = (server.CpuSeconds() - cpu0) / idle.TotalSeconds;
            var after = server.RssBytes();
            var connected = connections - run.ConnectFailures;
            // One message per room (0.25 msg/s per sender for 4 s).
            var check = await run.RunAsync(0.25, TimeSpan.FromSeconds(4), 16, server);
            run.AbortAll();
            var perConnKb = (after - before) / 1024.0 / Math.Max(1, connected);
            report.Line($"| {target} | {connected} | {connectSeconds:F1} | {before / 1048576.0:F0} | {after / 1048576.0:F0} | {perConnKb:F1} | {cpuIdle:F3} | {check.DeliveriesReceived} / {check.DeliveriesExpected} | {check.Lost} |");
            results[target] = new
            {
                connections_attempted = connections,
                connected,
                connect_seconds = Math.Round(connectSeconds, 1),
                rss_before_mb = Math.Round(before / 1048576.0, 1),
                rss_after_mb = Math.Round(after / 1048576.0, 1),
                kb_per_connection = Math.Round(perConnKb, 1),
                cpu_cores_idle = Math.Round(cpuIdle, 3),
                check,
            };
        }

        report.Line();
        report.Line("Target: 20,000 idle connections on one messaging instance under 1.5 GB.");
        report.Set("results", results);
        await report.WriteAsync("Idle connections: memory and CPU per connection");
        return 0;
    }

    /// <summary>With BENCH_GCDUMP=1 and dotnet-gcdump installed: a heap summary of the server holding its connections, in /tmp.</summary>
    private static async Task GcDump(Server server)
    {
        var tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet/tools/dotnet-gcdump");
        if (Environment.GetEnvironmentVariable("BENCH_GCDUMP") != "1" || !File.Exists(tool))
        {
            return;
        }

        var output = $"/tmp/andon-bench-{server.Name}-{server.Pid}.gcdump";
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "collect", "-p", server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", output })
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        await p.WaitForExitAsync();
        Console.WriteLine($"   heap dump of {server.Name}: {output} (dotnet-gcdump report {output})");
    }

    private static string Limit(string name, int which)
    {
        var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
        var parts = line?[name.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: > 1 } ? parts[which] : "?";
    }
}
