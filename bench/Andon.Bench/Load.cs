using System.Buffers.Text;
using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using HdrHistogram;

namespace Andon.Bench;

/// <summary>
/// One connection to open: its room (index and path segment), its bearer token (none for baselines), the
/// sender it carries (-1: receives only), and the server it connects to when not the run's (another replica).
/// </summary>
internal sealed record ConnSpec(int Room, string RoomPath, string? Token, int Sender, Uri? Server = null);

/// <summary>What a load run measured.</summary>
internal sealed record LoadResult
{
    public int Connections { get; init; }
    public int Rooms { get; init; }
    public int Senders { get; init; }
    public double OfferedMessagesPerSecond { get; init; }
    public double DurationSeconds { get; init; }
    public long MessagesSent { get; init; }
    public long MessagesAcked { get; init; }
    public long Resent { get; init; }
    public long ResendsAcked { get; init; }
    public Dictionary<string, long> Errors { get; init; } = [];
    public long DeliveriesExpected { get; init; }
    public long DeliveriesReceived { get; init; }
    public long Lost { get; init; }
    public long Duplicated { get; init; }
    public long OutOfOrder { get; init; }
    public long SeqGaps { get; init; }
    public double OfferedDeliveriesPerSecond { get; init; }
    public double DeliveriesPerSecond { get; init; }
    public Percentiles Latency { get; init; } = new();
    public Percentiles Ack { get; init; } = new();
    public double ServerCpuCores { get; init; }
    /// <summary>CPU of every watched server process, in cores, by name.</summary>
    public Dictionary<string, double> ServerCpuByName { get; init; } = [];
    public double BenchCpuCores { get; init; }
    public double ServerRssMb { get; init; }
    public int ConnectFailures { get; init; }
    public string? SlowConsumer { get; init; }
    public long StaleFrames { get; init; }
}

internal sealed record Percentiles
{
    public long Count { get; init; }
    public double P50Ms { get; init; }
    public double P99Ms { get; init; }
    public double P999Ms { get; init; }
    public double MaxMs { get; init; }

    public static Percentiles From(LongHistogram h) => h.TotalCount == 0 ? new() : new()
    {
        Count = h.TotalCount,
        P50Ms = h.GetValueAtPercentile(50) / 1000.0,
        P99Ms = h.GetValueAtPercentile(99) / 1000.0,
        P999Ms = h.GetValueAtPercentile(99.9) / 1000.0,
        MaxMs = h.GetMaxValue() / 1000.0,
    };
}

/// <summary>Histograms in microseconds, striped so that many receive loops record without contending.</summary>
internal sealed class Striped
{
    private readonly LongHistogram[] stripes = Enumerable.Range(0, 16).Select(_ => new LongHistogram(600_000_000, 3)).ToArray();

    public void Record(int who, long micros)
    {
        var h = stripes[who & 15];
        lock (h)
        {
            h.RecordValue(Math.Clamp(micros, 0, 600_000_000));
        }
    }

    public LongHistogram Sum()
    {
        var sum = new LongHistogram(600_000_000, 3);
        foreach (var h in stripes)
        {
            lock (h)
            {
                sum.Add(h);
            }
        }

        return sum;
    }
}

/// <summary>
/// The open-loop load generator. Each sender sends at a fixed rate whatever the server does, with the
/// time it was due to send in the content (so a late send counts against the latency, no coordinated
/// omission). Every connection records send→receipt latency of every message frame and checks, per
/// sender, that each message arrives once and in order; senders record send→ack latency.
/// </summary>
internal sealed class LoadRun
{
    private static readonly double MicrosPerTick = 1_000_000.0 / Stopwatch.Frequency;
    private readonly Uri wsBase;
    private readonly List<ConnSpec> specs;
    private static int runs = Environment.ProcessId % 1000 * 1000;
    private int nonce = Interlocked.Increment(ref runs);

    public LoadRun(Uri server, List<ConnSpec> specs)
    {
        wsBase = WebSocketBase(server);
        this.specs = specs;
        SenderCount = specs.Count == 0 ? 0 : specs.Max(s => s.Sender) + 1;
        Senders = new SenderState[SenderCount];
        foreach (var spec in specs.Where(s => s.Sender >= 0))
        {
            Senders[spec.Sender] = new SenderState(spec.Room);
        }
    }

    public int SenderCount { get; }

    public SenderState[] Senders { get; }

    public List<Client> Clients { get; } = [];

    public Striped LatencyStripes { get; private set; } = new();

    public Striped AckStripes { get; private set; } = new();

    /// <summary>With BENCH_TIMELINE=1, the acks by the 100 ms of the run they were due in (printed after the run).</summary>
    public AckTimeline? Timeline { get; private set; }

    public ConcurrentDictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

    public int ConnectFailures;

    public long Unique;

    public long Duplicated;

    public long OutOfOrder;

    public long SeqGaps;

    public long Resyncs;

    public long LastReceipt;

    public int? SlowIndex { get; set; }

    internal sealed class SenderState(int room)
    {
        public int Room { get; } = room;
        public long[] Due { get; set; } = [];
        public int Sent;
        public int Acked;
        public long LastAckSeq;

        /// <summary>Each message's number from its first ack (0 before it): a resend's ack must repeat it.</summary>
        public long[] AckSeq { get; set; } = [];
        public int Resent;
        public int ResendsAcked;
    }

    /// <summary>
    /// BENCH_RESEND_EVERY=k: every k-th message of each sender is sent a second time, with the same
    /// client_id, just before the sender's next message (as a client does that lost the ack). Its ack
    /// is checked against the first's number and counted apart (not as a message).
    /// </summary>
    public int ResendEvery { get; } = int.TryParse(Environment.GetEnvironmentVariable("BENCH_RESEND_EVERY"), out var every) ? every : 0;

    /// <summary>Opens every connection (a few at a time) and waits for each hello.</summary>
    public async Task ConnectAllAsync(int parallel = 64)
    {
        for (var i = 0; i < specs.Count; i++)
        {
            Clients.Add(new Client(this, i, specs[i]));
        }

        await Parallel.ForEachAsync(Clients, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (c, _) =>
        {
            if (!await c.ConnectAsync(null))
            {
                Interlocked.Increment(ref ConnectFailures);
            }
        });
    }

    /// <summary>Drops every connection at once (no close handshake), as a network failure or a crash would.</summary>
    public void AbortAll()
    {
        foreach (var c in Clients)
        {
            c.Abort();
        }
    }

    public void ResetCounters()
    {
        LatencyStripes = new Striped();
        AckStripes = new Striped();
        Errors.Clear();
        Unique = Duplicated = OutOfOrder = SeqGaps = Resyncs = Stale = 0;
    }

    /// <summary>
    /// Sends at <paramref name="ratePerSender"/> from every sender for <paramref name="duration"/>, then waits for the deliveries.
    /// <paramref name="server"/>'s CPU and memory are the result's; the CPU of each of <paramref name="watch"/> is reported too.
    /// </summary>
    public async Task<LoadResult> RunAsync(double ratePerSender, TimeSpan duration, int payloadBytes, Server? server, TimeSpan? drain = null, IReadOnlyList<Server>? watch = null)
    {
        watch ??= [];
        ResetCounters();

        // A new number for each run on the same connections: its client_ids are then not the last run's (which the server
        // would take for resends), and the last run's late frames are told apart.
        nonce = Interlocked.Increment(ref runs);
        var perSender = (int)Math.Ceiling(ratePerSender * duration.TotalSeconds) + 2;
        foreach (var s in Senders)
        {
            s.Due = new long[perSender];
            s.AckSeq = new long[perSender];
            s.Sent = 0;
            s.Acked = 0;
            s.Resent = 0;
            s.ResendsAcked = 0;
        }

        foreach (var c in Clients)
        {
            c.ResetTracks();
        }

        var pad = new string('x', Math.Max(0, payloadBytes));
        var senderClients = Clients.Where(c => c.Spec.Sender >= 0).ToList();
        var interval = Stopwatch.Frequency / ratePerSender;
        var cpu0 = server?.CpuSeconds() ?? 0;
        var watched0 = watch.Select(w => w.CpuSeconds()).ToList();
        using var trace = Profiler.Start(server, duration);
        var self0 = ProcStat.SelfCpuSeconds();
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        Timeline = Environment.GetEnvironmentVariable("BENCH_TIMELINE") == "1" ? new AckTimeline(start, duration) : null;
        var random = new Random(42);
        var phases = senderClients.Select(_ => (long)(random.NextDouble() * interval)).ToList();
        await Task.WhenAll(senderClients.Select((c, i) => Task.Run(() => c.SendLoopAsync(start + phases[i], interval, end, pad))));
        var sendEnd = Stopwatch.GetTimestamp();
        var cpu1 = server?.CpuSeconds() ?? 0;
        var watched1 = watch.Select(w => w.CpuSeconds()).ToList();
        var self1 = ProcStat.SelfCpuSeconds();
        var window = (sendEnd - start) / (double)Stopwatch.Frequency;

        // Drain: until every acked message reached every member, or nothing moved for 3 s.
        var expected = Expected();
        var drainUntil = Stopwatch.GetTimestamp() + (long)((drain ?? TimeSpan.FromSeconds(20)).TotalSeconds * Stopwatch.Frequency);
        long seen = -1;
        var still = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() < drainUntil)
        {
            // Acks first: an ack that lands after Expected() is then counted in neither.
            var acked = Senders.Sum(s => Volatile.Read(ref s.Acked));
            expected = Expected();
            var now = Interlocked.Read(ref Unique);
            if (now >= expected && acked >= Senders.Sum(s => s.Sent) - Errors.Values.Sum())
            {
                break;
            }

            if (now != seen)
            {
                seen = now;
                still = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetTimestamp() - still > 3 * Stopwatch.Frequency)
            {
                break;
            }

            await Task.Delay(100);
        }

        expected = Expected();
        var unique = Interlocked.Read(ref Unique);
        var lastReceipt = Interlocked.Read(ref LastReceipt);
        var span = Math.Max(window, (lastReceipt - start) / (double)Stopwatch.Frequency);
        var sent = Senders.Sum(s => (long)s.Sent);
        Timeline?.Print();
        var slow = SlowIndex is { } si ? await Clients[si].ProbeSlowAsync() : null;
        return new LoadResult
        {
            Connections = Clients.Count,
            Rooms = specs.Select(s => s.Room).Distinct().Count(),
            Senders = SenderCount,
            OfferedMessagesPerSecond = ratePerSender * SenderCount,
            DurationSeconds = Math.Round(window, 2),
            MessagesSent = sent,
            MessagesAcked = Senders.Sum(s => (long)s.Acked),
            Resent = Senders.Sum(s => (long)s.Resent),
            ResendsAcked = Senders.Sum(s => (long)s.ResendsAcked),
            Errors = new Dictionary<string, long>(Errors, StringComparer.Ordinal),
            DeliveriesExpected = expected,
            DeliveriesReceived = unique,
            Lost = Math.Max(0, expected - unique),
            Duplicated = Duplicated,
            OutOfOrder = OutOfOrder,
            SeqGaps = SeqGaps,
            OfferedDeliveriesPerSecond = Math.Round(ratePerSender * Senders.Sum(s => (double)MembersOf(s.Room)), 1),
            DeliveriesPerSecond = Math.Round(unique / span, 1),
            Latency = Percentiles.From(LatencyStripes.Sum()),
            Ack = Percentiles.From(AckStripes.Sum()),
            ServerCpuCores = Math.Round((cpu1 - cpu0) / window, 2),
            ServerCpuByName = watch.Select((w, i) => (w.Name, Cores: Math.Round((watched1[i] - watched0[i]) / window, 2))).ToDictionary(w => w.Name, w => w.Cores, StringComparer.Ordinal),
            BenchCpuCores = Math.Round((self1 - self0) / window, 2),
            ServerRssMb = server is null ? 0 : Math.Round(server.RssBytes() / 1048576.0, 1),
            ConnectFailures = ConnectFailures,
            SlowConsumer = slow,
            StaleFrames = Stale,
        };
    }

    private readonly Dictionary<int, int> members = [];

    private int MembersOf(int room)
    {
        lock (members)
        {
            if (members.Count == 0)
            {
                for (var i = 0; i < Clients.Count; i++)
                {
                    if (i != SlowIndex)
                    {
                        members[Clients[i].Spec.Room] = members.GetValueOrDefault(Clients[i].Spec.Room) + 1;
                    }
                }
            }

            return members.GetValueOrDefault(room);
        }
    }

    /// <summary>Deliveries owed: every acked message to every (reading) member of its room.</summary>
    public long Expected() => Senders.Sum(s => (long)s.Acked * MembersOf(s.Room));

    private static Uri WebSocketBase(Uri server) => new UriBuilder(server) { Scheme = server.Scheme == "https" ? "wss" : "ws" }.Uri;

    public static long Micros(long ticks) => (long)(ticks * MicrosPerTick);

    /// <summary>This run's number (each RunAsync takes a new one), in every client_id and content it sends: frames of an earlier run still in the server are told apart.</summary>
    public int Nonce => nonce;

    public long Stale;

    public Uri WsUri(ConnSpec spec, long? lastSeq) =>
        new(spec.Server is { } other ? WebSocketBase(other) : wsBase, $"/ws/{spec.RoomPath}" + (lastSeq is { } n ? $"?last_seq={n.ToString(CultureInfo.InvariantCulture)}" : ""));
}

/// <summary>One WebSocket of the load: its receive loop parses frames with a few byte searches.</summary>
internal sealed class Client(LoadRun run, int index, ConnSpec spec)
{
    private ClientWebSocket? socket;
    private Task? receiving;
    private Dictionary<int, Track> tracks = [];

    public ConnSpec Spec { get; } = spec;

    public long LastSeq { get; private set; } = -1;

    public long Messages;

    public bool Slow => run.SlowIndex == index;

    public TaskCompletionSource Hello { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Track
    {
        public BitArray Seen = new(256);
        public int Max = -1;
    }

    public void ResetTracks() => tracks = [];

    private bool resuming;

    /// <summary>Connected and its hello received.</summary>
    public bool Connected => socket is { State: WebSocketState.Open } && Hello.Task.IsCompletedSuccessfully;

    public async Task<bool> ConnectAsync(long? lastSeq, int attempts = 3)
    {
        resuming = lastSeq is not null;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var ws = new ClientWebSocket();
            ws.Options.KeepAliveInterval = TimeSpan.Zero;
            using var invoker = Slow ? new HttpMessageInvoker(SmallReceiveBuffer()) : null;
            if (Spec.Token is not null)
            {
                ws.Options.SetRequestHeader("Authorization", "Bearer " + Spec.Token);
            }

            Hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await ws.ConnectAsync(run.WsUri(Spec, lastSeq), invoker, timeout.Token);
                socket = ws;
                receiving = Slow ? Task.CompletedTask : Task.Run(ReceiveLoopAsync);
                if (Slow)
                {
                    return true;
                }

                await Hello.Task.WaitAsync(TimeSpan.FromSeconds(60));
                return true;
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException or HttpRequestException)
            {
                ws.Dispose();
                await Task.Delay(200 * (attempt + 1));
            }
        }

        return false;
    }

    /// <summary>The slow consumer's socket keeps a small receive buffer, so the server's queue for it fills sooner.</summary>
    private static SocketsHttpHandler SmallReceiveBuffer() => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var s = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 8192 };
            try
            {
                await s.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new System.Net.Sockets.NetworkStream(s, ownsSocket: true);
            }
            catch
            {
                s.Dispose();
                throw;
            }
        },
    };

    public void Abort()
    {
        socket?.Abort();
    }

    public async Task SendLoopAsync(long first, double interval, long end, string pad)
    {
        var sender = run.Senders[Spec.Sender];
        var id = Spec.Sender.ToString(CultureInfo.InvariantCulture);

        // Sent again with the next message, one interval later (in a later transaction than the first copy).
        byte[]? resend = null;
        for (var n = 0; ; n++)
        {
            var due = first + (long)(n * interval);
            if (due >= end || n >= sender.Due.Length)
            {
                return;
            }

            var wait = due - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 1000)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
            }

            sender.Due[n] = due;
            var frame = Encoding.UTF8.GetBytes(
                $"{{\"type\":\"message\",\"client_id\":\"{run.Nonce}.{id}.{n}\",\"message_type\":\"text\",\"content\":\"bench:{run.Nonce}:{id}:{n}:{due}:{pad}\"}}");
            Interlocked.Increment(ref sender.Sent);
            try
            {
                if (socket is { State: WebSocketState.Open })
                {
                    run.Timeline?.Late(index, LoadRun.Micros(Stopwatch.GetTimestamp() - due));
                    if (resend is not null)
                    {
                        Interlocked.Increment(ref sender.Resent);
                        await socket.SendAsync(resend, WebSocketMessageType.Text, true, CancellationToken.None);
                    }

                    await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
                    resend = run.ResendEvery > 0 && n % run.ResendEvery == 0 ? frame : null;
                }
                else
                {
                    run.Errors.AddOrUpdate("send_failed", 1, (_, v) => v + 1);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
            {
                run.Errors.AddOrUpdate("send_failed", 1, (_, v) => v + 1);
            }
        }
    }

    /// <summary>For the slow consumer: after the run, was it disconnected, and how much had the server queued?</summary>
    public async Task<string> ProbeSlowAsync()
    {
        if (socket is null)
        {
            return "never connected";
        }

        var buffer = new byte[1 << 20];
        long bytes = 0;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            while (true)
            {
                var r = await socket.ReceiveAsync(buffer, timeout.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    return $"closed by the server ({socket.CloseStatus}) after {bytes} bytes read";
                }

                bytes += r.Count;
            }
        }
        catch (OperationCanceledException)
        {
            return $"still connected, {bytes} bytes were waiting for it";
        }
        catch (WebSocketException ex)
        {
            return $"disconnected by the server ({ex.WebSocketErrorCode}) after {bytes} bytes read";
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var ws = socket!;
        var buffer = new byte[64 * 1024];
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var r = await ws.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                length += r.Count;
                if (!r.EndOfMessage)
                {
                    continue;
                }

                Handle(buffer.AsSpan(0, length), Stopwatch.GetTimestamp());
                length = 0;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private void Handle(ReadOnlySpan<byte> frame, long now)
    {
        if (frame.StartsWith("{\"type\":\"message\""u8))
        {
            var seq = Number(frame, "\"sequence_number\":"u8);
            Sequence(seq);
            var at = frame.IndexOf("\"content\":\"bench:"u8);
            if (at < 0)
            {
                return;
            }

            var rest = frame[(at + 17)..];
            if (Next(ref rest) != run.Nonce)
            {
                Interlocked.Increment(ref run.Stale);
                return;
            }

            var sender = (int)Next(ref rest);
            var n = (int)Next(ref rest);
            var due = Next(ref rest);
            Messages++;
            run.LatencyStripes.Record(index, LoadRun.Micros(now - due));
            if (!tracks.TryGetValue(sender, out var track))
            {
                tracks[sender] = track = new Track();
            }

            if (n >= track.Seen.Length)
            {
                track.Seen.Length = Math.Max(n + 1, track.Seen.Length * 2);
            }

            if (track.Seen[n])
            {
                Interlocked.Increment(ref run.Duplicated);
                return;
            }

            track.Seen[n] = true;
            if (n < track.Max)
            {
                Interlocked.Increment(ref run.OutOfOrder);
            }

            track.Max = Math.Max(track.Max, n);
            Interlocked.Increment(ref run.Unique);
            InterlockedMax(ref run.LastReceipt, now);
        }
        else if (frame.StartsWith("{\"type\":\"ack\""u8))
        {
            var at = frame.IndexOf("\"client_id\":\""u8);
            var rest = frame[(at + 13)..];
            if (Next(ref rest) != run.Nonce)
            {
                Interlocked.Increment(ref run.Stale);
                return;
            }

            var sender = (int)Next(ref rest);
            var n = (int)Next(ref rest);
            var state = run.Senders[sender];
            var seq = Number(frame, "\"sequence_number\":"u8);
            var first = Interlocked.CompareExchange(ref state.AckSeq[n], seq, 0);
            if (first != 0)
            {
                // The ack of a resend (BENCH_RESEND_EVERY): the first copy's number, or an error.
                Interlocked.Increment(ref state.ResendsAcked);
                if (first != seq)
                {
                    run.Errors.AddOrUpdate("resend_numbered_again", 1, (_, v) => v + 1);
                }

                return;
            }

            Interlocked.Increment(ref state.Acked);
            run.AckStripes.Record(index, LoadRun.Micros(now - state.Due[n]));
            run.Timeline?.Record(state.Due[n], LoadRun.Micros(now - state.Due[n]));
            InterlockedMax(ref state.LastAckSeq, seq);
        }
        else if (frame.StartsWith("{\"type\":\"hello\""u8))
        {
            // On a first connection the client starts at the room's number; on a resume it keeps its
            // own, so the replay that follows is checked for gaps.
            if (!resuming)
            {
                LastSeq = Math.Max(LastSeq, Number(frame, "\"last_seq\":"u8));
            }

            Hello.TrySetResult();
        }
        else if (frame.StartsWith("{\"type\":\"error\""u8))
        {
            var at = frame.IndexOf("\"code\":\""u8);
            var rest = frame[(at + 8)..];
            var code = Encoding.UTF8.GetString(rest[..rest.IndexOf((byte)'"')]);
            run.Errors.AddOrUpdate(code, 1, (_, v) => v + 1);
        }
        else if (frame.StartsWith("{\"type\":\"resync_required\""u8))
        {
            Interlocked.Increment(ref run.Resyncs);
        }
        else
        {
            Sequence(Number(frame, "\"seq\":"u8));
        }
    }

    private void Sequence(long seq)
    {
        if (seq <= 0)
        {
            return;
        }

        if (LastSeq >= 0 && seq > LastSeq + 1)
        {
            Interlocked.Add(ref run.SeqGaps, seq - LastSeq - 1);
        }

        LastSeq = Math.Max(LastSeq, seq);
    }

    private static long Number(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> key)
    {
        var at = frame.IndexOf(key);
        if (at < 0)
        {
            return -1;
        }

        return Utf8Parser.TryParse(frame[(at + key.Length)..], out long value, out _) ? value : -1;
    }

    /// <summary>Parses the number at the start of <paramref name="rest"/> and steps over it and the separator after it.</summary>
    private static long Next(ref ReadOnlySpan<byte> rest)
    {
        if (!Utf8Parser.TryParse(rest, out long value, out var used))
        {
            rest = [];
            return -1;
        }

        rest = rest[Math.Min(rest.Length, used + 1)..];
        return value;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

/// <summary>
/// With BENCH_TIMELINE=1: acks by the 100 ms window they were due in (how many, how many over 20 ms,
/// the slowest), and how late the load generator itself sent. Shows whether a step's ack p99 comes
/// from a few stalls or from the whole step; printed to the console after each step.
/// </summary>
internal sealed class AckTimeline(long start, TimeSpan duration)
{
    private const long Over = 20_000;
    private static int Windows(TimeSpan duration) => (int)(duration.TotalSeconds * 10) + 2;

    private readonly long[] count = new long[Windows(duration)];
    private readonly long[] over = new long[Windows(duration)];
    private readonly long[] max = new long[Windows(duration)];
    private readonly DateTimeOffset startedAt = DateTimeOffset.UtcNow + Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start);
    private readonly Striped late = new();

    public void Record(long due, long micros)
    {
        var i = (int)Math.Clamp((due - start) * 10 / Stopwatch.Frequency, 0, count.Length - 1);
        Interlocked.Increment(ref count[i]);
        if (micros > Over)
        {
            Interlocked.Increment(ref over[i]);
        }

        var seen = Volatile.Read(ref max[i]);
        while (micros > seen && Interlocked.CompareExchange(ref max[i], micros, seen) != seen)
        {
            seen = Volatile.Read(ref max[i]);
        }
    }

    /// <summary>How late a message left the load generator after it was due (its own scheduling, counted in every latency).</summary>
    public void Late(int who, long micros) => late.Record(who, micros);

    public void Print()
    {
        var lateness = late.Sum();
        if (lateness.TotalCount > 0)
        {
            Console.WriteLine($"sent after due: p50 {lateness.GetValueAtPercentile(50) / 1000.0:0.00} ms, p90 {lateness.GetValueAtPercentile(90) / 1000.0:0.00} ms, p99 {lateness.GetValueAtPercentile(99) / 1000.0:0.00} ms, max {lateness.GetMaxValue() / 1000.0:0.0} ms");
        }

        var total = count.Sum();
        var slow = over.Sum();
        Console.WriteLine($"ack timeline: from {startedAt:HH:mm:ss.fff} UTC, {total} acks, {slow} over 20 ms, in {over.Count(o => o > 0)} of {count.Count(c => c > 0)} windows of 100 ms");
        var line = new StringBuilder();
        for (var i = 0; i < count.Length; i++)
        {
            if (over[i] > 0)
            {
                line.Append(CultureInfo.InvariantCulture, $" {i / 10.0:0.0}s:{over[i]}/{count[i]} max {max[i] / 1000}ms;");
            }
        }

        Console.WriteLine("ack timeline (window: over 20 ms / acks, slowest):" + line);
    }
}
