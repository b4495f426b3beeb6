using System.Diagnostics;

namespace Andon.Bench;

/// <summary>
/// Reconnect storm: N clients in rooms of 100 while one sender per room keeps sending 1 msg/s. All N
/// are dropped at once (sockets aborted, no close handshake), stay away 2 s, then all reconnect at
/// once with ?last_seq. Measured: time until every client is back (hello), and until every client
/// has caught up to what its room had numbered when the storm began, with gaps, duplicates and
/// resync_required counted. Andon standalone only (the baselines keep no history to resume from).
/// </summary>
internal static class Reconnect
{
    public static async Task<int> RunAsync(bool quick, string resultsDir)
    {
        var clients = quick ? 1_000 : 5_000;
        var perRoom = 100;
        var rooms = clients / perRoom;
        var report = new Report("reconnect", quick, resultsDir);
        await using var server = await Server.StandaloneAsync();
        using var api = new AndonApi(server.Url);
        // perRoom + 1 connections a room: the first is the sender, which stays connected.
        var specs = await Fanout.TopologyAsync(api, new Fanout.Shape("storm", rooms, perRoom + 1, 1));
        var run = new LoadRun(server.Url, specs);
        await run.ConnectAllAsync(128);
        var sending = run.RunAsync(1, TimeSpan.FromSeconds(quick ? 25 : 45), 64, server, TimeSpan.FromSeconds(30));
        await Task.Delay(4000);
        var dropped = run.Clients.Where(c => c.Spec.Sender < 0).ToList();
        foreach (var c in dropped)
        {
            c.Abort();
        }

        await Task.Delay(2000);
        var gapsBefore = Interlocked.Read(ref run.SeqGaps);
        var targets = dropped.ToDictionary(c => c, c => run.Senders.Where(s => s.Room == c.Spec.Room).Max(s => Interlocked.Read(ref s.LastAckSeq)));
        var cpu0 = server.CpuSeconds();
        var clock = Stopwatch.StartNew();
        var failures = 0;
        var reconnecting = Parallel.ForEachAsync(dropped, new ParallelOptions { MaxDegreeOfParallelism = 512 }, async (c, _) =>
        {
            if (!await c.ConnectAsync(c.LastSeq, attempts: 10))
            {
                Interlocked.Increment(ref failures);
            }
        });
        double? allBack = null;
        double? caughtUp = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (allBack is null && reconnecting.IsCompleted)
            {
                allBack = clock.Elapsed.TotalSeconds;
            }

            if (dropped.All(c => c.LastSeq >= targets[c]))
            {
                caughtUp = clock.Elapsed.TotalSeconds;
                if (allBack is not null)
                {
                    break;
                }
            }

            await Task.Delay(20);
        }

        await reconnecting;
        var cpu = server.CpuSeconds() - cpu0;
        var stormGaps = Interlocked.Read(ref run.SeqGaps) - gapsBefore;
        var result = await sending;
        run.AbortAll();
        var summary = new
        {
            clients,
            rooms,
            all_back_seconds = allBack is null ? (double?)null : Math.Round(allBack.Value, 2),
            caught_up_seconds = caughtUp is null ? (double?)null : Math.Round(caughtUp.Value, 2),
            reconnect_failures = failures,
            seq_gaps_during_storm = stormGaps,
            resync_required = run.Resyncs,
            server_cpu_seconds_during_storm = Math.Round(cpu, 1),
            whole_run = result,
        };
        report.Line($"{clients} clients in {rooms} rooms of {perRoom}; one sender per room at 1 msg/s stays connected. All {clients} dropped at once, back 2 s later with ?last_seq.");
        report.Line();
        report.Line("| clients | all back (hello) s | all caught up s | reconnect failures | seq gaps | resync_required | lost / dup / out of order (whole run) | deliveries p99 ms (whole run) |");
        report.Line("|---|---|---|---|---|---|---|---|");
        report.Line($"| {clients} | {summary.all_back_seconds?.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) ?? "not within 120 s"} | {summary.caught_up_seconds?.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) ?? "not within 120 s"} | {failures} | {stormGaps} | {run.Resyncs} | {result.Lost} / {result.Duplicated} / {result.OutOfOrder} | {result.Latency.P99Ms:F0} |");
        report.Line();
        report.Line("Target: 5,000 clients fully caught up in under 20 s, gaps 0.");
        report.Set("results", summary);
        await report.WriteAsync("Reconnect storm (standalone)");
        return 0;
    }
}
