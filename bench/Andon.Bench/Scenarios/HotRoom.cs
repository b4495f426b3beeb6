namespace Andon.Bench;

/// <summary>
/// Persisted rate: (1) one hot room at rising rates, (2) many rooms at rising total rates, each
/// message acknowledged only after its commit; ack p99 is the measure. Andon standalone (SQLite) and,
/// when PostgreSQL and RabbitMQ are there, the distributed messaging host (PostgreSQL), direct.
/// Senders are distinct bench users at 8 messages a second or less (the limit is 10 per user), so a
/// hot room of R msg/s has R/8 members connected, each of whom receives every message.
/// </summary>
internal static class HotRoom
{
    private static int[]? Rates(string variable) => Environment.GetEnvironmentVariable(variable) switch
    {
        null or "" => null,
        "none" => [],
        var list => [.. list.Split(',').Select(r => int.Parse(r, System.Globalization.CultureInfo.InvariantCulture))],
    };

    public static async Task<int> RunAsync(bool quick, string resultsDir)
    {
        var duration = TimeSpan.FromSeconds(quick ? 6 : 15);
        int[] hotRates = quick ? [100, 250, 500, 1000] : [100, 250, 500, 750, 1000];
        int[] acrossRates = quick ? [250, 500, 1000] : [500, 1000, 2000, 3000];
        var acrossRooms = quick ? 250 : 500;

        // BENCH_HOT_RATES / BENCH_ACROSS_RATES (comma-separated, "none" for no step) replace the ladders, for profiling one step.
        hotRates = Rates("BENCH_HOT_RATES") ?? hotRates;
        acrossRates = Rates("BENCH_ACROSS_RATES") ?? acrossRates;
        var report = new Report("hotroom", quick, resultsDir);
        var all = new Dictionary<string, object>(StringComparer.Ordinal);
        report.Line("Open loop. Ack = from the moment a message was due to be sent to its `ack` (sent by Andon after the commit).");
        report.Line("Each step stops the ladder once ack p99 passes 1 s (saturated).");
        report.Line();

        // BENCH_DISTRIBUTED_ONLY=1 skips standalone (an A/B of the distributed mode alone).
        var modes = new List<string>();
        if (Environment.GetEnvironmentVariable("BENCH_DISTRIBUTED_ONLY") != "1")
        {
            modes.Add("standalone");
        }

        if (Distributed.Available)
        {
            modes.Add("distributed");
        }

        foreach (var mode in modes)
        {
            Console.WriteLine($"-- {mode}");
            await using var distributed = mode == "distributed" ? await Distributed.StartAsync() : null;
            await using var standalone = mode == "standalone" ? await Server.StandaloneAsync() : null;
            var messaging = distributed?.Messaging ?? standalone!;
            using var api = new AndonApi((distributed?.Gateway ?? standalone!).Url);

            // Unreported, as in the other scenarios: 5 s of one room at 250 msg/s, so the first step
            // does not measure the JIT compiling the write path.
            await Fanout.WarmUpAsync(messaging, api, new Fanout.Shape("warm-up", 1, 51, 250));
            var hot = new List<object>();
            report.Line($"## {mode}: one hot room (senders + 1 observer connected)");
            report.Line();
            report.Line(Report.Header.Replace("| server |", "| msg/s · members |", StringComparison.Ordinal));
            var offset = 0;
            foreach (var rate in hotRates)
            {
                var k = (int)Math.Ceiling(rate / 8.0);
                var shape = new Fanout.Shape($"hot{rate}", 1, k + 1, rate);
                var specs = await TopologyAsync(api, shape, k, offset);
                offset = (offset + k) % Server.BenchUsers;
                var result = await RunStepAsync(messaging, specs, rate / (double)k, duration);
                report.Line(Report.Row($"{rate} · {k + 1}", result));
                hot.Add(new { rate, members = k + 1, result });
                if (result.Ack.P99Ms > 1000 || result.Ack.Count == 0)
                {
                    break;
                }
            }

            report.Line();
            report.Line($"## {mode}: {acrossRooms} rooms, one sender connected in each");
            report.Line();
            report.Line(Report.Header.Replace("| server |", "| msg/s total |", StringComparison.Ordinal));
            var across = new List<object>();
            var roomsShape = new Fanout.Shape("across", acrossRooms, 1, 1);
            var acrossSpecs = await TopologyAsync(api, roomsShape, 1, 0);
            foreach (var rate in acrossRates)
            {
                var result = await RunStepAsync(messaging, acrossSpecs, rate / (double)acrossRooms, duration);
                report.Line(Report.Row($"{rate}", result));
                across.Add(new { rate, rooms = acrossRooms, result });
                if (result.Ack.P99Ms > 1000 || result.Ack.Count == 0)
                {
                    break;
                }
            }

            report.Line();
            if (standalone?.DataFolder is { } data)
            {
                var journal = SqliteJournal(Path.Combine(data, "messaging.db"));
                report.Line($"SQLite journal mode of messaging.db: `{journal}` (files: {string.Join(", ", Directory.GetFiles(data).Select(Path.GetFileName))}).");
                report.Line();
                all[$"{mode}_sqlite_journal_mode"] = journal;
            }

            all[mode] = new { hot_room = hot, across_rooms = across };
        }

        report.Set("duration_seconds", duration.TotalSeconds);
        report.Set("results", all);
        await report.WriteAsync("Persisted rate: one hot room and many rooms, ack after commit");
        return 0;
    }

    private static async Task<LoadResult> RunStepAsync(Server messaging, List<ConnSpec> specs, double ratePerSender, TimeSpan duration)
    {
        var run = new LoadRun(messaging.Url, specs);
        await run.ConnectAllAsync();

        // The step starts once the server has gone quiet after its set-up: the runtime compiles the
        // token checks, room set-up and handshakes just run into its optimised tier for ~2 s, on the
        // cores the step needs (bench/README.md point 22).
        await messaging.SettleAsync();

        var result = await run.RunAsync(ratePerSender, duration, 64, messaging, TimeSpan.FromSeconds(15));
        run.AbortAll();
        Console.WriteLine("   " + Report.Row($"{result.OfferedMessagesPerSecond:F0}", result));
        if (run.ResendEvery > 0)
        {
            Console.WriteLine($"   resends (every {run.ResendEvery}th message sent twice): {result.Resent} sent, {result.ResendsAcked} acked with the first copy's number unless counted in errors");
        }

        await messaging.SettleAsync();
        return result;
    }

    /// <summary>Rooms with <paramref name="senders"/> senders each; the other members only read.</summary>
    private static async Task<List<ConnSpec>> TopologyAsync(AndonApi api, Fanout.Shape shape, int senders, int offset)
    {
        var specs = await Fanout.TopologyAsync(api, shape with { RatePerRoom = senders * 5 }, offset);
        return specs;
    }

    private static string SqliteJournal(string file)
    {
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("sqlite3") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(file);
            start.ArgumentList.Add("PRAGMA journal_mode;");
            using var p = System.Diagnostics.Process.Start(start)!;
            var text = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (no sqlite3)";
        }
    }
}
