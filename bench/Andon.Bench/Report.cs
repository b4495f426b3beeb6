using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Andon.Bench;

/// <summary>One scenario's results file (JSON) and Markdown summary, with the machine's state around it.</summary>
internal sealed class Report(string scenario, bool quick, string resultsDir)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly JsonObject root = new()
    {
        ["scenario"] = scenario,
        ["quick"] = quick,
        ["started_at"] = DateTimeOffset.UtcNow.ToString("u", System.Globalization.CultureInfo.InvariantCulture),
        ["loadavg_start"] = ProcStat.LoadAverage(),
        ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}",
        ["commit"] = Git("rev-parse --short HEAD"),
        ["command"] = $"bench/run.sh {scenario}{(quick ? " --quick" : "")}",
    };

    private readonly StringBuilder md = new();

    public void Set(string key, object? value) => root[key] = JsonSerializer.SerializeToNode(value, Json);

    public void Line(string text = "")
    {
        md.AppendLine(text);
        Console.WriteLine(text);
    }

    public async Task WriteAsync(string title)
    {
        root["finished_at"] = DateTimeOffset.UtcNow.ToString("u", System.Globalization.CultureInfo.InvariantCulture);
        root["loadavg_end"] = ProcStat.LoadAverage();
        Directory.CreateDirectory(resultsDir);
        await File.WriteAllTextAsync(Path.Combine(resultsDir, scenario + ".json"), root.ToJsonString(Json) + "\n");
        var head = string.Concat(
            $"# {title}\n\n",
            $"`{root["command"]}` at {root["started_at"]} on commit {root["commit"]}; {root["machine"]}.\n",
            $"Load average at start `{root["loadavg_start"]}`, at end `{root["loadavg_end"]}` (the load generator shares the machine's cores with the servers).\n\n");
        await File.WriteAllTextAsync(Path.Combine(resultsDir, scenario + ".md"), head + md);
    }

    private static string Git(string arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, WorkingDirectory = Server.Root };
            using var git = Process.Start(start)!;
            var text = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    public static string Row(string name, LoadResult r) =>
        $"| {name} | {r.OfferedMessagesPerSecond:F0} | {r.OfferedDeliveriesPerSecond:F0} | {r.DeliveriesPerSecond:F0} | {r.Latency.P50Ms:F1} / {r.Latency.P99Ms:F1} / {r.Latency.P999Ms:F1} | {r.Ack.P50Ms:F1} / {r.Ack.P99Ms:F1} | {r.Lost} / {r.Duplicated} / {r.OutOfOrder} / {r.SeqGaps} | {Errors(r)} | {r.ServerCpuCores:F2} / {r.BenchCpuCores:F2} | {r.ServerRssMb:F0} |";

    public const string Header =
        "| server | msg/s offered | deliveries/s offered | deliveries/s | latency p50 / p99 / p99.9 ms | ack p50 / p99 ms | lost / dup / out of order / seq gaps | errors | CPU cores server / bench | server RSS MB |\n" +
        "|---|---|---|---|---|---|---|---|---|---|";

    private static string Errors(LoadResult r) => r.Errors.Count == 0 ? "0" : string.Join(", ", r.Errors.Select(e => $"{e.Key} {e.Value}"));
}
