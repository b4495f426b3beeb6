namespace Andon.Bench;

/// <summary>
/// Cross-replica cost: one room's fan-out with every member on one messaging replica (A), against the
/// same load with its members, senders among them, alternately on two replicas joined by the RabbitMQ
/// backplane (B), so that each message reaches half its members through the other replica. Both
/// replicas run throughout (one PostgreSQL database, one virtual host, as replicas do); clients connect
/// straight to them, not through the gateway. A-B-B-A order; B ÷ A of the means. Needs
/// ANDON_TEST_POSTGRES and ANDON_TEST_RABBITMQ.
/// </summary>
internal static class Replicas
{
    private const string A = "A one replica";
    private const string B = "B split";

    public static async Task<int> RunAsync(bool quick, string resultsDir)
    {
        if (!Distributed.Available)
        {
            Console.Error.WriteLine("replicas: needs ANDON_TEST_POSTGRES and ANDON_TEST_RABBITMQ (source scripts/test-env.sh)");
            return 2;
        }

        var duration = TimeSpan.FromSeconds(quick ? 8 : 20);
        Fanout.Shape[] shapes = quick
            ? [new("1x200@50", 1, 200, 50)]
            : [new("1x200@50", 1, 200, 50), new("1x500@100", 1, 500, 100)];
        var report = new Report("replicas", quick, resultsDir);
        await using var d = await Distributed.StartAsync(messagingReplicas: 2);
        var (one, two) = (d.Replicas[0], d.Replicas[1]);
        // The first is the result's server (its CPU in the table); every one's CPU is in the summary.
        Server[] watched = [one, two, d.Identity, d.Rooms, d.Gateway];
        using var api = new AndonApi(d.Gateway.Url);
        report.Line($"Distributed mode: identity, rooms, two messaging replicas (one PostgreSQL database, one RabbitMQ virtual host) and the gateway (idle: clients connect straight to the replicas); {duration.TotalSeconds} s a run.");
        report.Line($"{A}: every member and sender on {one.Name}. {B}: members and senders alternately on {one.Name} and {two.Name}. The same room and users in both; the table's CPU column is {one.Name}'s.");
        report.Line();
        var runs = new Dictionary<string, AbbaRuns>(StringComparer.Ordinal);
        var ratios = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var shape in shapes)
        {
            var specs = await Fanout.TopologyAsync(api, shape);
            List<ConnSpec> split = [.. specs.Select((s, i) => s with { Server = i % 2 == 0 ? one.Url : two.Url })];
            // Unreported: warms both replicas and the backplane's path to the other replica's members.
            await Fanout.WarmUpAsync(new LoadRun(one.Url, split), shape, watched);
            report.Line($"## {shape.Name}: 1 room × {shape.Members} members × {shape.RatePerRoom} msg/s ({shape.SendersPerRoom} senders)");
            report.Line();
            var r = runs[shape.Name] = await AbbaRuns.RunAsync(
                report, "run", (A, () => new LoadRun(one.Url, specs)), (B, () => new LoadRun(one.Url, split)),
                shape.RatePerRoom / shape.SendersPerRoom, duration, watched);

            report.Line($"Means of the two runs of each (acked … gaps: totals; CPU in cores, {string.Join(" / ", watched.Select(s => s.Name))}):");
            report.Line();
            report.Line("| run | deliveries/s | latency p50 / p99 / p99.9 ms | ack p50 / p99 ms | acked / sent | lost / dup / out of order / seq gaps | CPU cores |");
            report.Line("|---|---|---|---|---|---|---|");
            foreach (var name in new[] { A, B })
            {
                double M(Func<LoadResult, double> measure) => r.Mean(name, measure);
                long Total(Func<LoadResult, long> count) => count(r.Results[name + " #1"]) + count(r.Results[name + " #2"]);
                var cpu = string.Join(" / ", watched.Select(s => $"{M(x => x.ServerCpuByName[s.Name]):F2}"));
                report.Line($"| {name} | {M(x => x.DeliveriesPerSecond):F0} | {M(x => x.Latency.P50Ms):F1} / {M(x => x.Latency.P99Ms):F1} / {M(x => x.Latency.P999Ms):F1} | {M(x => x.Ack.P50Ms):F1} / {M(x => x.Ack.P99Ms):F1} | {Total(x => x.MessagesAcked)} / {Total(x => x.MessagesSent)} | {Total(x => x.Lost)} / {Total(x => x.Duplicated)} / {Total(x => x.OutOfOrder)} / {Total(x => x.SeqGaps)} | {cpu} |");
            }

            double Ratio(Func<LoadResult, double> measure) => Fanout.Ratio(r.Mean(B, measure), r.Mean(A, measure));
            double Messaging(LoadResult x) => x.ServerCpuByName[one.Name] + x.ServerCpuByName[two.Name];
            var ratio = new
            {
                p99_b_over_a = Ratio(x => x.Latency.P99Ms),
                p50_b_over_a = Ratio(x => x.Latency.P50Ms),
                ack_p99_b_over_a = Ratio(x => x.Ack.P99Ms),
                deliveries_b_over_a = Ratio(x => x.DeliveriesPerSecond),
                messaging_cpu_b_over_a = Ratio(Messaging),
            };
            ratios[shape.Name] = ratio;
            report.Line();
            report.Line($"B ÷ A: latency p99 {ratio.p99_b_over_a}× (p50 {ratio.p50_b_over_a}×), ack p99 {ratio.ack_p99_b_over_a}×, deliveries/s {ratio.deliveries_b_over_a}×, CPU of both replicas together {ratio.messaging_cpu_b_over_a}×.");
            report.Line();
        }

        report.Set("duration_seconds", duration.TotalSeconds);
        report.Set("results", runs.ToDictionary(e => e.Key, e => e.Value.Results, StringComparer.Ordinal));
        report.Set("ratios", ratios);
        await report.WriteAsync("Two replicas: members split across the backplane ÷ all on one replica");
        return 0;
    }
}
