using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Andon.BuildingBlocks.Bus;
using Andon.Messaging.Infrastructure.Backplane;
using Andon.Messaging.Infrastructure.Hub;
using HdrHistogram;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

// The messaging backplane, RabbitMQ against Redis, in one process: one publishing instance and two
// subscribing instances, each subscriber with one connection in the room. RabbitMQ is driven exactly
// as messaging drives it (RabbitMqBackplane publishes RoomFrames; each subscriber's temporary queue
// on the fan-out exchange feeds BackplaneConsumer). Redis pub/sub carries the same RoomFrames as
// JSON on one channel. Either way a frame ends in RoomHub.BroadcastLocal and the connection's writer,
// whose socket records when the frame arrives. Measures publish → socket latency at a steady rate,
// and throughput (frames published back to back until both subscribers have them all).
//
// Usage: Andon.Bench.Backplane <amqp url> <redis host:port> [results dir] [--quick]
var rabbitUrl = new Uri(args.Length > 0 ? args[0] : "amqp://guest:guest@127.0.0.1:5672/");
var redisAddress = args.Length > 1 ? args[1] : "127.0.0.1:6390";
var resultsDir = args.Length > 2 && !args[2].StartsWith("--", StringComparison.Ordinal) ? args[2] : "bench/results";
var quick = args.Contains("--quick");
int[] rates = [100, 500]; // frames a second in the latency runs: a busy plant's rooms together, and five times that
var latencySeconds = quick ? 3 : 10;
var rounds = quick ? 1 : 2; // each transport measured in alternation, to spread the machine's noise over both
var throughputFrames = quick ? 5_000 : 20_000;
var warmupFrames = 500;

var rabbitBefore = await RabbitTransport.StartAsync(rabbitUrl, prefetch: null);
var rabbit = await RabbitTransport.StartAsync(rabbitUrl, BackplaneRegistration.Prefetch);
var redis = await RedisTransport.StartAsync(redisAddress);
ITransport[] transports = [rabbitBefore, rabbit, redis];

var latency = transports.SelectMany(t => rates.Select(r => (t.Name, r))).ToDictionary(k => k, _ => new LongHistogram(TimeStamp.Seconds(10), 3));
var throughput = transports.ToDictionary(t => t.Name, _ => new List<double>());
var late = transports.ToDictionary(t => t.Name, _ => 0L);

foreach (var transport in transports)
{
    await Run(transport, warmupFrames, 2_000, null); // connections, JIT, broker channels
}

for (var round = 0; round < rounds; round++)
{
    foreach (var transport in transports)
    {
        (TimeSpan Elapsed, long Missing) result;
        foreach (var rate in rates)
        {
            Console.WriteLine($"round {round + 1}: {transport.Name} latency at {rate}/s for {latencySeconds} s");
            result = await Run(transport, rate * latencySeconds, rate, latency[(transport.Name, rate)]);
            late[transport.Name] += result.Missing;
        }

        Console.WriteLine($"round {round + 1}: {transport.Name} throughput, {throughputFrames} frames back to back");
        result = await Run(transport, throughputFrames, null, null);
        late[transport.Name] += result.Missing;
        // Frames per second that reached both subscribers (late frames not counted).
        throughput[transport.Name].Add((throughputFrames - (result.Missing / (double)transport.Hubs.Count)) / result.Elapsed.TotalSeconds);
    }
}

foreach (var transport in transports)
{
    await transport.DisposeAsync();
}

double Ms(LongHistogram h, double percentile) => h.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;

var measured = DateTimeOffset.UtcNow;
var loadAverage = File.Exists("/proc/loadavg") ? string.Join(' ', (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ').Take(3)) : "unknown";
var rows = transports.Select(t => new
{
    transport = t.Name,
    how = t.How,
    latency = rates.Select(r => latency[(t.Name, r)]).Select((h, i) => new
    {
        rate_per_second = rates[i],
        frames = h.TotalCount,
        p50_ms = Math.Round(Ms(h, 50), 3),
        p90_ms = Math.Round(Ms(h, 90), 3),
        p99_ms = Math.Round(Ms(h, 99), 3),
        p999_ms = Math.Round(Ms(h, 99.9), 3),
        max_ms = Math.Round(h.GetMaxValue() * 1000.0 / Stopwatch.Frequency, 3),
    }).ToList(),
    throughput_frames_per_second = throughput[t.Name].Select(x => Math.Round(x)).ToList(),
    frames_late = late[t.Name],
}).ToList();
var report = new
{
    measured_at = measured,
    quick,
    machine = new { processors = Environment.ProcessorCount, load_average_at_end = loadAverage, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription, dotnet = Environment.Version.ToString() },
    setup = new
    {
        publishers = 1,
        subscribers = 2,
        frame_bytes = Frame.Size,
        latency_rates_per_second = rates,
        latency_seconds_per_round = latencySeconds,
        throughput_frames_per_round = throughputFrames,
        rounds,
        rabbitmq = rabbitUrl.GetLeftPart(UriPartial.Authority).Replace(rabbitUrl.UserInfo + "@", "", StringComparison.Ordinal) + rabbitUrl.AbsolutePath,
        redis = redisAddress,
        redis_version = redis.Version,
    },
    results = rows,
};
Directory.CreateDirectory(resultsDir);
await File.WriteAllTextAsync(Path.Combine(resultsDir, "backplane.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }) + "\n");
var md = new StringBuilder();
md.AppendLine(CultureInfo.InvariantCulture, $"# Messaging backplane: RabbitMQ against Redis ({measured:yyyy-MM-dd HH:mm:ss}Z{(quick ? ", quick" : "")})");
md.AppendLine();
md.AppendLine(CultureInfo.InvariantCulture, $"One publisher, two subscribers, one process; {Frame.Size}-byte frames, one per publish. Latency: publish → the subscriber connection's socket, at {string.Join(" and ", rates)} frames/s, {latencySeconds} s × {rounds} round(s) each per transport. Throughput: {throughputFrames} frames published back to back until both subscribers have all of them (or 60 s have passed; late frames do not count); one figure per round. Machine: {Environment.ProcessorCount} cores shared with the brokers and whatever else runs (load average at the end: {loadAverage}).");
md.AppendLine();
md.AppendLine("| transport | rate | p50 | p90 | p99 | p99.9 | max |");
md.AppendLine("|---|---|---|---|---|---|---|");
foreach (var r in rows)
{
    foreach (var l in r.latency)
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"| {r.transport} | {l.rate_per_second}/s | {l.p50_ms:0.00} ms | {l.p90_ms:0.00} ms | {l.p99_ms:0.00} ms | {l.p999_ms:0.00} ms | {l.max_ms:0.00} ms |");
    }
}

md.AppendLine();
md.AppendLine("| transport | throughput, frames/s (each round) | frames late |");
md.AppendLine("|---|---|---|");
foreach (var r in rows)
{
    md.AppendLine(CultureInfo.InvariantCulture, $"| {r.transport} | {string.Join(" / ", r.throughput_frames_per_second)} | {r.frames_late} |");
}

md.AppendLine();
md.AppendLine("Frames late: not at both subscribers 60 s after the run's last publish (the run then moves on; they still arrive, ahead of the next run's frames, and delay those).");
md.AppendLine();
foreach (var r in rows)
{
    md.AppendLine(CultureInfo.InvariantCulture, $"- **{r.transport}**: {r.how}");
}

await File.WriteAllTextAsync(Path.Combine(resultsDir, "backplane.md"), md.ToString());
Console.Write(md);

// Publishes `count` frames into a new room (paced at `perSecond`, or back to back) and waits until both
// subscribers' connections have them all.
async Task<(TimeSpan Elapsed, long Missing)> Run(ITransport transport, int count, int? perSecond, LongHistogram? histogram)
{
    var room = Guid.NewGuid();
    var sentAt = new long[count + 1];
    var sockets = transport.Hubs.Select(hub => Recorder.Join(hub, room, count, sentAt)).ToList();
    var start = Stopwatch.GetTimestamp();
    for (var seq = 1; seq <= count; seq++)
    {
        if (perSecond is { } r)
        {
            var due = start + (long)((seq - 1) * (double)Stopwatch.Frequency / r);
            while (Stopwatch.GetTimestamp() is var now && now < due)
            {
                if ((due - now) * 1000 / Stopwatch.Frequency >= 2)
                {
                    Thread.Sleep(1);
                }
                else
                {
                    Thread.SpinWait(50);
                }
            }
        }

        sentAt[seq] = Stopwatch.GetTimestamp();
        transport.Publish(room, Frame.Create(seq), seq);
    }

    var all = Task.WhenAll(sockets.Select(s => s.Done));
    await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60)));
    var elapsed = Stopwatch.GetElapsedTime(start, sockets.Max(s => s.LastArrival));
    var missing = sockets.Sum(s => count - s.Count);
    foreach (var socket in sockets)
    {
        socket.Leave();
        if (histogram is not null)
        {
            histogram.Add(socket.Latency);
        }
    }

    if (missing > 0)
    {
        Console.WriteLine($"{transport.Name}: {missing} frames not there 60 s after the last publish");
    }

    return (elapsed, missing);
}

internal static class Frame
{
    // A message frame as a room broadcasts it, with the bench's sequence number first so the socket can read it.
    private const string Body = ",\"type\":\"message\",\"message\":{\"message_id\":\"0b9c6f1e-5c1a-4d8e-9f0a-3e2b1c4d5e6f\",\"room_id\":\"7d3e2f1a-0b9c-4d8e-a5f6-1e2d3c4b5a69\",\"sender_id\":\"maintenance@andon.local\",\"sender_name\":\"陳大華\",\"message_type\":\"text\",\"content\":\"三號線輸送帶馬達溫度上升至 85°C，已停機檢查軸承與潤滑，預計二十分鐘後回報。\",\"mentions\":[],\"file_id\":null,\"metadata\":null,\"reactions\":{},\"created_at\":\"2026-11-26T08:00:00.000Z\",\"edited_at\":null,\"deleted_at\":null}}";

    public static int Size => Create(1000).Length;

    public static byte[] Create(long seq) => Encoding.UTF8.GetBytes("{\"seq\":" + seq.ToString(CultureInfo.InvariantCulture) + Body);

    public static long Seq(ReadOnlySpan<byte> frame)
    {
        if (!frame.StartsWith("{\"seq\":"u8))
        {
            return 0;
        }

        long seq = 0;
        for (var i = 7; i < frame.Length && frame[i] is >= (byte)'0' and <= (byte)'9'; i++)
        {
            seq = (seq * 10) + (frame[i] - '0');
        }

        return seq;
    }
}

internal interface ITransport : IAsyncDisposable
{
    string Name { get; }

    string How { get; }

    IReadOnlyList<RoomHub> Hubs { get; }

    void Publish(Guid room, byte[] frame, long seq);
}

/// <summary>Messaging's backplane as it runs: three instances on the broker, the real publisher and consumer.</summary>
internal sealed class RabbitTransport(int? prefetch) : ITransport
{
    private readonly List<WebApplication> apps = [];
    private IBackplane publisher = null!;

    public string Name => prefetch is null ? "RabbitMQ, prefetch by default" : $"RabbitMQ, prefetch {prefetch}";

    public string How => $"MassTransit 8.5.12: RabbitMqBackplane.Publish (fire and forget) → RoomFrames fan-out exchange → one temporary queue per subscriber instance (ConcurrentMessageLimit 1, PrefetchCount {(prefetch is null ? "not set" : prefetch)}) → BackplaneConsumer → RoomHub";

    public IReadOnlyList<RoomHub> Hubs { get; private set; } = [];

    public static async Task<RabbitTransport> StartAsync(Uri url, int? prefetch)
    {
        var transport = new RabbitTransport(prefetch);
        var publisherApp = await transport.Instance(url, subscribe: false);
        transport.publisher = publisherApp.Services.GetRequiredService<IBackplane>();
        var subscribers = new[] { await transport.Instance(url, subscribe: true), await transport.Instance(url, subscribe: true) };
        transport.Hubs = subscribers.Select(a => a.Services.GetRequiredService<RoomHub>()).ToList();
        return transport;
    }

    private async Task<WebApplication> Instance(Uri url, bool subscribe)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Bus:Transport"] = "RabbitMq";
        builder.Configuration["Bus:RabbitMqUrl"] = url.ToString();
        var instance = new InstanceId(Guid.NewGuid());
        builder.Services.AddSingleton(instance);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RemotePresence>();
        builder.Services.AddSingleton<IBackplane, RabbitMqBackplane>();
        builder.Services.AddSingleton<RoomHub>();
        if (subscribe)
        {
            builder.AddBusConsumers(x => x.AddBackplaneConsumer(instance, prefetch));
        }

        builder.AddAndonBus("messaging");
        var app = builder.Build();
        await app.StartAsync();
        apps.Add(app);
        var health = await app.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
        if (health != BusHealthStatus.Healthy)
        {
            throw new InvalidOperationException("The bus did not become healthy.");
        }

        return app;
    }

    public void Publish(Guid room, byte[] frame, long seq) => publisher.Publish(room, [(frame, seq)]);

    public async ValueTask DisposeAsync()
    {
        foreach (var app in apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

/// <summary>Redis pub/sub: one channel for every room (one subscription per instance), RoomFrames as JSON.</summary>
internal sealed class RedisTransport : ITransport
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("andon:messaging-backplane");
    private readonly List<ConnectionMultiplexer> connections = [];
    private readonly Guid origin = Guid.NewGuid();
    private ISubscriber publisher = null!;

    public string Name => "Redis";

    public string How => "StackExchange.Redis 3.4.35: PUBLISH (fire and forget) of RoomFrames as JSON on one channel → one subscription per subscriber instance, handled in order → RoomHub";

    public string Version { get; private set; } = "";

    public IReadOnlyList<RoomHub> Hubs { get; private set; } = [];

    public static async Task<RedisTransport> StartAsync(string address)
    {
        var transport = new RedisTransport();
        var pub = await transport.Connect(address);
        transport.publisher = pub.GetSubscriber();
        transport.Version = pub.GetServers()[0].Version.ToString();
        var hubs = new List<RoomHub>();
        for (var i = 0; i < 2; i++)
        {
            var hub = new RoomHub(TimeProvider.System, new NoBackplane(), new RemotePresence(TimeProvider.System));
            var queue = await (await transport.Connect(address)).GetSubscriber().SubscribeAsync(Channel);
            var self = Guid.NewGuid();
            queue.OnMessage(message =>
            {
                var frames = JsonSerializer.Deserialize<RoomFrames>((byte[])message.Message!)!;
                if (frames.Origin != self)
                {
                    foreach (var frame in frames.Frames)
                    {
                        hub.BroadcastLocal(frames.RoomId, Encoding.UTF8.GetBytes(frame.Json), frame.Seq);
                    }
                }
            });
            hubs.Add(hub);
        }

        transport.Hubs = hubs;
        return transport;
    }

    private async Task<ConnectionMultiplexer> Connect(string address)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(address);
        connections.Add(connection);
        return connection;
    }

    public void Publish(Guid room, byte[] frame, long seq) =>
        publisher.Publish(Channel, JsonSerializer.SerializeToUtf8Bytes(new RoomFrames(origin, room, [new NumberedFrame(seq, Encoding.UTF8.GetString(frame))])), CommandFlags.FireAndForget);

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }
}

/// <summary>A subscriber's connection in the room, over a socket that records when each frame reaches it.</summary>
internal sealed class Recorder : WebSocket
{
    private readonly long[] sentAt;
    private readonly int expected;
    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource stop = new();
    private RoomHub hub = null!;
    private Connection connection = null!;

    private Recorder(int expected, long[] sentAt)
    {
        this.expected = expected;
        this.sentAt = sentAt;
    }

    /// <summary>This connection's publish → socket times, in stopwatch ticks.</summary>
    public LongHistogram Latency { get; } = new(TimeStamp.Seconds(10), 3);

    public int Count { get; private set; }

    public long LastArrival { get; private set; } = Stopwatch.GetTimestamp();

    public Task Done => done.Task;

    public static Recorder Join(RoomHub hub, Guid room, int expected, long[] sentAt)
    {
        var recorder = new Recorder(expected, sentAt) { hub = hub };
        recorder.connection = new Connection(recorder, room, "bench@andon.local", 1 << 20);
        hub.Join(recorder.connection);
        _ = recorder.connection.RunWriterAsync(recorder.stop.Token);
        return recorder;
    }

    public void Leave()
    {
        hub.Leave(connection);
        stop.Cancel();
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        var seq = Frame.Seq(buffer);
        if (seq > 0)
        {
            Latency.RecordValue(now - sentAt[seq]);
            LastArrival = now;
            if (++Count == expected)
            {
                done.TrySetResult();
            }
        }

        return Task.CompletedTask;
    }

    public override WebSocketCloseStatus? CloseStatus => null;

    public override string? CloseStatusDescription => null;

    public override WebSocketState State => WebSocketState.Open;

    public override string? SubProtocol => null;

    public override void Abort() => done.TrySetException(new InvalidOperationException("The connection was aborted (its queue filled)."));

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public override void Dispose() => stop.Dispose();
}
