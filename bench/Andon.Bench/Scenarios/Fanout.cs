namespace Andon.Bench;

/// <summary>
/// Fan-out: rooms × members × messages a second per room, open loop, against B0 (Node ws), B1 (bare
/// Kestrel) and Andon standalone, one after the other in the same session. Andon's senders are
/// distinct bench users at 5 messages a second or less each (its limit is 10 a second per user).
/// </summary>
internal static class Fanout
{
    internal sealed record Shape(string Name, int Rooms, int Members, double RatePerRoom)
    {
        public int SendersPerRoom => Math.Max(1, (int)Math.Ceiling(RatePerRoom / 5));
    }

    public static async Task<int> RunAsync(bool quick, string resultsDir)
    {
        var duration = TimeSpan.FromSeconds(quick ? 8 : 30);
        Shape[] shapes = quick
            ? [new("1x200@20", 1, 200, 20), new("100x20@1", 100, 20, 1), new("1x500@100", 1, 500, 100)]
            : [new("1x500@20", 1, 500, 20), new("500x20@1", 500, 20, 1), new("1x500@100", 1, 500, 100)];
        if (Environment.GetEnvironmentVariable("BENCH_SHAPES") is { Length: > 0 } only)
        {
            // BENCH_SHAPES=1x500@20 runs only the shapes named (comma-separated).
            var names = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            shapes = [.. shapes.Where(s => names.Contains(s.Name, StringComparer.Ordinal))];
        }

        var report = new Report("fanout", quick, resultsDir);
        var results = new Dictionary<string, Dictionary<string, LoadResult>>(StringComparer.Ordinal);
        // BENCH_TARGETS=andon (or B0,B1) runs only those servers: for profiling, not for the ratios.
        var targets = (Environment.GetEnvironmentVariable("BENCH_TARGETS") ?? "B0,B1,andon").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var target in targets)
        {
            Console.WriteLine($"-- {target}");
            await using var server = target switch
            {
                "B0" => await Server.B0Async(),
                "B1" => await Server.B1Async(),
                _ => await Server.StandaloneAsync(),
            };
            using var api = target == "andon" ? new AndonApi(server.Url) : null;
            await WarmUpAsync(server, api, shapes[0]);
            foreach (var shape in shapes)
            {
                var specs = await TopologyAsync(api, shape);
                var run = new LoadRun(server.Url, specs);
                await run.ConnectAllAsync();
                await Task.Delay(1000);

                // As in hotroom: the set-up's compiling done before the measured run (point 22).
                await server.SettleAsync();
                if (LeadIn > TimeSpan.Zero)
                {
                    Console.WriteLine($"   {shape.Name}: lead-in of {LeadIn.TotalSeconds} s, not reported");
                    _ = await run.RunAsync(shape.RatePerRoom / shape.SendersPerRoom, LeadIn, 64, server);
                    await server.SettleAsync();
                }

                var result = await run.RunAsync(shape.RatePerRoom / shape.SendersPerRoom, duration, 64, server);
                run.AbortAll();
                Console.WriteLine($"   {shape.Name}: {Report.Row(target, result)}");
                results.TryAdd(shape.Name, new(StringComparer.Ordinal));
                results[shape.Name][target] = result;
                await server.SettleAsync();
            }
        }

        report.Set("duration_seconds", duration.TotalSeconds);
        report.Set("payload_pad_bytes", 64);
        report.Set("results", results);
        var ratios = new Dictionary<string, object>(StringComparer.Ordinal);
        report.Line("Open loop; latency is from the moment a message was due to be sent to its receipt at each member.");
        report.Line();
        foreach (var shape in shapes)
        {
            var r = results[shape.Name];
            report.Line($"## {shape.Name}: {shape.Rooms} room(s) × {shape.Members} members × {shape.RatePerRoom} msg/s per room, {duration.TotalSeconds} s");
            report.Line();
            report.Line(Report.Header);
            foreach (var (name, result) in r)
            {
                report.Line(Report.Row(name, result));
            }

            report.Line();
            if (!r.TryGetValue("andon", out var a) || !r.ContainsKey("B1") || !r.ContainsKey("B0"))
            {
                continue;
            }

            var ratio = new
            {
                p99_vs_b1 = Ratio(a.Latency.P99Ms, r["B1"].Latency.P99Ms),
                p99_vs_b0 = Ratio(a.Latency.P99Ms, r["B0"].Latency.P99Ms),
                deliveries_vs_b1 = Ratio(a.DeliveriesPerSecond, r["B1"].DeliveriesPerSecond),
                deliveries_vs_b0 = Ratio(a.DeliveriesPerSecond, r["B0"].DeliveriesPerSecond),
                server_cpu_vs_b1 = Ratio(a.ServerCpuCores, r["B1"].ServerCpuCores),
            };
            ratios[shape.Name] = ratio;
            report.Line($"Andon ÷ B1: p99 {ratio.p99_vs_b1}×, deliveries/s {ratio.deliveries_vs_b1}×, server CPU {ratio.server_cpu_vs_b1}×. Andon ÷ B0: p99 {ratio.p99_vs_b0}×, deliveries/s {ratio.deliveries_vs_b0}×.");
            report.Line();
        }

        report.Set("ratios", ratios);
        await report.WriteAsync("Fan-out: Andon against B0 (Node ws) and B1 (bare Kestrel)");
        return 0;
    }

    /// <summary>
    /// How long the unreported warm-up runs: 25 s, or <c>BENCH_WARMUP_SECONDS</c>. Andon's runtime
    /// is still compiling hot methods again (tiered JIT) for about 20 s of load; with 5 s, that work
    /// took 40–65% of the server's CPU samples in the first seconds of the measured run.
    /// </summary>
    public static TimeSpan WarmUp { get; } = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("BENCH_WARMUP_SECONDS"), out var s) ? s : 25);

    /// <summary>
    /// How long an unreported run goes on the measured run's own connections just before it: 15 s, or
    /// <c>BENCH_LEAD_IN_SECONDS</c> (0: none, as up to point 33 of bench/README.md). The measured run is then a steady state of
    /// members that have been connected a while, for every server. Without it, Andon's first collections
    /// after 10,000 new connections move their state to the older generations in the measured window
    /// (a pause of 147–197 ms, bench/README.md point 34) — a cost that each connection pays once.
    /// </summary>
    public static TimeSpan LeadIn { get; } = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("BENCH_LEAD_IN_SECONDS"), out var s) ? s : 15);

    /// <summary>A run that is not reported, so that no measured run pays for JIT, first connections and first commits.</summary>
    public static async Task WarmUpAsync(Server server, AndonApi? api, Shape shape, Uri? url = null) =>
        await WarmUpAsync(new LoadRun(url ?? server.Url, await TopologyAsync(api, shape)), shape, server);

    /// <summary>The same with the given connections; waits until every one of <paramref name="servers"/> has gone quiet.</summary>
    public static async Task WarmUpAsync(LoadRun run, Shape shape, params IReadOnlyList<Server> servers)
    {
        await run.ConnectAllAsync();
        Console.WriteLine($"   warm-up of {WarmUp.TotalSeconds} s at {shape.Name}, not reported");
        await run.RunAsync(shape.RatePerRoom / shape.SendersPerRoom, WarmUp, 64, servers[0]);
        run.AbortAll();
        foreach (var server in servers)
        {
            await server.SettleAsync();
        }
    }

    public static double Ratio(double a, double b) => b <= 0 ? double.NaN : Math.Round(a / b, 2);

    /// <summary>Baselines take any room name; Andon gets real rooms with its bench users as editors.</summary>
    public static async Task<List<ConnSpec>> TopologyAsync(AndonApi? api, Shape shape, int senderOffset = 0)
    {
        var k = shape.SendersPerRoom;
        var tag = Guid.NewGuid().ToString("N")[..6];
        var roomPaths = new string[shape.Rooms];
        string UserOf(int room, int j) => Server.UserId((senderOffset + (room * k) + j) % Server.BenchUsers);
        if (api is null)
        {
            for (var r = 0; r < shape.Rooms; r++)
            {
                roomPaths[r] = $"{tag}-{r}";
            }
        }
        else
        {
            await api.TokensAsync(Math.Min(Server.BenchUsers, (shape.Rooms * k) + senderOffset));
            await Parallel.ForEachAsync(Enumerable.Range(0, shape.Rooms), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (r, _) =>
            {
                var users = Enumerable.Range(0, k).Select(j => UserOf(r, j)).ToList();
                roomPaths[r] = (await api.CreateRoomAsync(users[0], $"bench {shape.Name} {tag} {r}", users.Skip(1))).ToString();
            });
        }

        var specs = new List<ConnSpec>();
        var sender = 0;
        for (var r = 0; r < shape.Rooms; r++)
        {
            for (var m = 0; m < shape.Members; m++)
            {
                var token = api is null ? null : await api.TokenAsync(UserOf(r, m % k));
                specs.Add(new ConnSpec(r, roomPaths[r], token, m < k ? sender++ : -1));
            }
        }

        return specs;
    }
}
