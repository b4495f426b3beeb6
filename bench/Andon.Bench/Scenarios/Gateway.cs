namespace Andon.Bench;

/// <summary>
/// Gateway ratio: the same fan-out through the gateway (YARP) and straight to the messaging host, in
/// the distributed mode on PostgreSQL and RabbitMQ, back to back against the same hosts. At full
/// load (throughput) and at half load (p99). Needs ANDON_TEST_POSTGRES and ANDON_TEST_RABBITMQ.
/// </summary>
internal static class Gateway
{
    public static async Task<int> RunAsync(bool quick, string resultsDir)
    {
        if (!Distributed.Available)
        {
            Console.Error.WriteLine("gateway: needs ANDON_TEST_POSTGRES and ANDON_TEST_RABBITMQ (source scripts/test-env.sh)");
            return 2;
        }

        var duration = TimeSpan.FromSeconds(quick ? 8 : 20);
        var members = quick ? 200 : 500;
        Fanout.Shape[] shapes = [new($"1x{members}@100", 1, members, 100), new($"1x{members}@50", 1, members, 50)];
        var report = new Report("gateway", quick, resultsDir);
        await using var d = await Distributed.StartAsync();
        using var api = new AndonApi(d.Gateway.Url);
        var runs = new Dictionary<string, AbbaRuns>(StringComparer.Ordinal);
        report.Line($"Distributed mode: identity, rooms, messaging and gateway hosts on PostgreSQL and RabbitMQ; {duration.TotalSeconds} s a run; the same room for both paths.");
        report.Line();
        await Fanout.WarmUpAsync(d.Messaging, api, shapes[1]);
        await Fanout.WarmUpAsync(d.Messaging, api, shapes[1], d.Gateway.Url);
        foreach (var shape in shapes)
        {
            var specs = await Fanout.TopologyAsync(api, shape);
            report.Line($"## {shape.Name}: 1 room × {shape.Members} members × {shape.RatePerRoom} msg/s");
            report.Line();
            runs[shape.Name] = await AbbaRuns.RunAsync(
                report, "path", ("direct", () => new LoadRun(d.Messaging.Url, specs)), ("gateway", () => new LoadRun(d.Gateway.Url, specs)),
                shape.RatePerRoom / shape.SendersPerRoom, duration, [d.Messaging]);
        }

        double Mean(string shape, string path, Func<LoadResult, double> measure) => runs[shape].Mean(path, measure);
        var throughput = Fanout.Ratio(Mean(shapes[0].Name, "gateway", r => r.DeliveriesPerSecond), Mean(shapes[0].Name, "direct", r => r.DeliveriesPerSecond));
        var halfGateway = Mean(shapes[1].Name, "gateway", r => r.Latency.P99Ms);
        var halfDirect = Mean(shapes[1].Name, "direct", r => r.Latency.P99Ms);
        var p99Limit = (halfDirect * 1.5) + 2;
        report.Line($"Throughput through the gateway ÷ direct at full load (mean of two runs each): {throughput}× (target ≥ 0.5×).");
        report.Line($"p99 at half load (mean of two runs each): gateway {halfGateway:F1} ms, direct {halfDirect:F1} ms; target ≤ 1.5 × direct + 2 ms = {p99Limit:F1} ms: {(halfGateway <= p99Limit ? "met" : "not met")}.");
        report.Line("The CPU column is the messaging host's; the gateway is a separate process on the same 2 cores.");
        report.Set("results", runs.ToDictionary(e => e.Key, e => e.Value.Results, StringComparer.Ordinal));
        report.Set("ratios", new { throughput_gateway_over_direct = throughput, half_load_p99_gateway_ms = halfGateway, half_load_p99_direct_ms = halfDirect, half_load_p99_limit_ms = p99Limit });
        await report.WriteAsync("Gateway ratio: through YARP ÷ direct to messaging");
        return 0;
    }
}
