using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Andon.Testing;

namespace Andon.Reliability.Tests;

/// <summary>
/// One member of a room as the SPA behaves: a socket through the gateway that reconnects after any
/// drop and resumes with <c>?last_seq=</c> (the last numbered frame it received), keeping every
/// frame it was given; and, for a sender, a queue of messages that each carry a <c>client_id</c>,
/// are sent one per tick, and are sent again with the same <c>client_id</c> on each new socket
/// until the server answers them (an <c>ack</c>, or an <c>error</c> that refuses them).
/// </summary>
public sealed class Member(FaultSystem system, BrowserSession session, string userId, Guid room) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly CancellationTokenSource stop = new();
    private readonly List<string> pending = [];
    private readonly Dictionary<string, int> sentOn = [];
    private WsClient? socket;
    private int generation;
    private long? lastSeq;
    private Task receiving = Task.CompletedTask;

    public string UserId { get; } = userId;

    public BrowserSession Session { get; } = session;

    /// <summary>The room's counter when this member first connected: everything after it must arrive.</summary>
    public long StartSeq { get; private set; }

    /// <summary>Every numbered frame's number, in arrival order, over all of this member's sockets.</summary>
    public List<long> Numbered { get; } = [];

    /// <summary>Every <c>message</c> frame's message, in arrival order.</summary>
    public List<JsonElement> Messages { get; } = [];

    /// <summary>Every <c>system</c> frame, in arrival order.</summary>
    public List<JsonElement> SystemFrames { get; } = [];

    /// <summary>client_id → (message_id, sequence_number) of every acknowledged message.</summary>
    public Dictionary<string, (Guid MessageId, long Seq)> Acks { get; } = [];

    /// <summary>client_ids refused with an error frame, and the codes of every error frame.</summary>
    public HashSet<string> Refused { get; } = [];

    public List<string> ErrorCodes { get; } = [];

    /// <summary>Every client_id this sender made, in order.</summary>
    public List<string> Sent { get; } = [];

    /// <summary>Statuses of refused upgrades (401 would mean the session was lost).</summary>
    public List<HttpStatusCode> RefusedUpgrades { get; } = [];

    public int Connections { get; private set; }

    public bool ResyncRequired { get; private set; }

    public int Pending
    {
        get
        {
            lock (gate)
            {
                return pending.Count;
            }
        }
    }

    public void Start() => receiving = Task.Run(ReceiveLoop);

    /// <summary>Waits until the first socket said hello.</summary>
    public async Task ConnectedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (gate)
            {
                if (lastSeq is not null)
                {
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{UserId} never connected (refusals: {string.Join(", ", RefusedUpgrades)}).\n{system.Logs()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Drops the current socket without a close handshake, as a lost network would.</summary>
    public void Drop()
    {
        lock (gate)
        {
            socket?.Drop();
        }
    }

    /// <summary>
    /// Makes <paramref name="count"/> messages, one frame per <paramref name="pace"/> (a message not
    /// yet answered on the current socket first), then goes on until every one is answered.
    /// </summary>
    public async Task SendAsync(int count, TimeSpan pace, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var made = 0;
        while (DateTime.UtcNow < deadline)
        {
            WsClient? current;
            int currentGeneration;
            string? next;
            var index = 0;
            lock (gate)
            {
                current = socket;
                currentGeneration = generation;
                next = pending.FirstOrDefault(id => sentOn[id] != currentGeneration);
                if (next is null && made < count)
                {
                    next = Guid.NewGuid().ToString();
                    pending.Add(next);
                    Sent.Add(next);
                    sentOn[next] = -1;
                    made++;
                }

                if (next is null && made == count && pending.Count == 0)
                {
                    return;
                }

                if (next is not null && current is not null)
                {
                    sentOn[next] = currentGeneration;
                    index = Sent.IndexOf(next);
                }
            }

            if (next is not null && current is not null)
            {
                try
                {
                    await current.SendMessageAsync(next, $"{UserId} {index}");
                }
                catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
                {
                    // The socket went; the message is sent again on the next one.
                }
            }

            await Task.Delay(pace);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await receiving;
        stop.Dispose();
    }

    private async Task ReceiveLoop()
    {
        while (!stop.IsCancellationRequested)
        {
            WsClient client;
            try
            {
                long? resume;
                lock (gate)
                {
                    resume = lastSeq;
                }

                client = await WsClient.ConnectAsync(system.Address, room, lastSeq: resume, cookie: Session.CookieHeader, origin: system.Origin);
            }
            catch (Exception ex) when (ex is WsRefusedException or WebSocketException or HttpRequestException or IOException)
            {
                if (ex is WsRefusedException refused)
                {
                    lock (gate)
                    {
                        RefusedUpgrades.Add(refused.Status);
                    }
                }

                await Task.Delay(150);
                continue;
            }

            lock (gate)
            {
                socket = client;
                generation++;
                Connections++;
            }

            try
            {
                while (true)
                {
                    JsonElement frame;
                    try
                    {
                        frame = await client.NextAsync(null, TimeSpan.FromMilliseconds(500));
                    }
                    catch (TimeoutException)
                    {
                        if (stop.IsCancellationRequested)
                        {
                            return;
                        }

                        continue;
                    }
                    catch (InvalidOperationException)
                    {
                        break;
                    }

                    Handle(frame);
                }
            }
            finally
            {
                lock (gate)
                {
                    if (socket == client)
                    {
                        socket = null;
                    }
                }

                await client.DisposeAsync();
            }
        }
    }

    private void Handle(JsonElement frame)
    {
        lock (gate)
        {
            switch (frame.GetProperty("type").GetString())
            {
                case "hello":
                    if (lastSeq is null)
                    {
                        StartSeq = frame.GetProperty("last_seq").GetInt64();
                        lastSeq = StartSeq;
                    }

                    break;
                case "ack":
                    var clientId = frame.GetProperty("client_id").GetString()!;
                    Acks[clientId] = (frame.GetProperty("message_id").GetGuid(), frame.GetProperty("sequence_number").GetInt64());
                    pending.Remove(clientId);
                    break;
                case "error":
                    ErrorCodes.Add(frame.GetProperty("code").GetString() ?? "");
                    if (frame.TryGetProperty("client_id", out var refused) && refused.GetString() is { } id && pending.Remove(id))
                    {
                        Refused.Add(id);
                    }

                    break;
                case "resync_required":
                    ResyncRequired = true;
                    break;
                case "message":
                    var message = frame.GetProperty("message");
                    Messages.Add(message);
                    Numbered.Add(message.GetProperty("sequence_number").GetInt64());
                    lastSeq = Math.Max(lastSeq ?? 0, Numbered[^1]);
                    break;
                default:
                    if (frame.GetProperty("type").GetString() == "system")
                    {
                        SystemFrames.Add(frame);
                    }

                    if (frame.TryGetProperty("seq", out var seq) && seq.ValueKind == JsonValueKind.Number)
                    {
                        Numbered.Add(seq.GetInt64());
                        lastSeq = Math.Max(lastSeq ?? 0, Numbered[^1]);
                    }

                    break;
            }
        }
    }

    /// <summary>Copies of what was received so far, taken under the member's lock.</summary>
    public (List<long> Numbered, List<JsonElement> Messages, List<JsonElement> System) Snapshot()
    {
        lock (gate)
        {
            return ([.. Numbered], [.. Messages], [.. SystemFrames]);
        }
    }

    public Dictionary<string, (Guid MessageId, long Seq)> AckSnapshot()
    {
        lock (gate)
        {
            return new(Acks);
        }
    }
}

/// <summary>What the checker measured over a room's members.</summary>
public sealed record LoadOutcome(int Acknowledged, int Checked, int Lost, int Duplicated, int OutOfOrder, int Gaps, string Detail);

/// <summary>
/// A room with an owner and an editor who send and a viewer who reads, all through the gateway, and
/// the checker: every acknowledged message reaches every member exactly once, in sequence order, and
/// the numbers each member received are gap-free from where it started.
/// </summary>
public sealed class RoomLoad : IAsyncDisposable
{
    private RoomLoad(FaultSystem system, Guid room, Member[] members)
    {
        System = system;
        RoomId = room;
        Members = members;
    }

    public FaultSystem System { get; }

    public Guid RoomId { get; }

    public Member[] Members { get; }

    public Member Owner => Members[0];

    public Member Editor => Members[1];

    public Member Viewer => Members[2];

    public IEnumerable<Member> Senders => Members.Take(2);

    public static async Task<RoomLoad> OpenAsync(FaultSystem system, string title)
    {
        var sessions = new[] { new BrowserSession(system.Address), new BrowserSession(system.Address), new BrowserSession(system.Address) };
        await SignInAsync(sessions[0], "op.lin");
        await SignInAsync(sessions[1], "mt.wang");
        await SignInAsync(sessions[2], "qa.huang");
        var created = await sessions[0].SendAsync(HttpMethod.Post, "/api/rooms", new { title, incident_type = "quality_issue", severity = "high" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var room = (await BrowserSession.Json(created)).GetProperty("room_id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await sessions[0].SendAsync(HttpMethod.Post, $"/api/rooms/{room}/members", new { user_id = "mt.wang@andon.test", role = "editor" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await sessions[0].SendAsync(HttpMethod.Post, $"/api/rooms/{room}/members", new { user_id = "qa.huang@andon.test", role = "viewer" })).StatusCode);
        var members = new[]
        {
            new Member(system, sessions[0], "op.lin@andon.test", room),
            new Member(system, sessions[1], "mt.wang@andon.test", room),
            new Member(system, sessions[2], "qa.huang@andon.test", room),
        };

        // The viewer connects last, after messaging has applied both membership events, so no
        // member's start is before another's membership event.
        var load = new RoomLoad(system, room, members);
        foreach (var member in members)
        {
            member.Start();
            await member.ConnectedAsync(TimeSpan.FromSeconds(60));
        }

        return load;
    }

    /// <summary>Signs in through the gateway; a 503 (the directory slow on a loaded machine) is retried as a person would.</summary>
    public static async Task SignInAsync(BrowserSession browser, string user)
    {
        var status = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 10 && status == HttpStatusCode.ServiceUnavailable; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(500);
            }

            status = (await browser.LoginAsync(user, TestServers.LdapPassword)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }

    /// <summary>Both senders at once, <paramref name="perSender"/> messages each, paced under the rate limit.</summary>
    public Task SendAsync(int perSender, TimeSpan? timeout = null) =>
        Task.WhenAll(Senders.Select(s => s.SendAsync(perSender, TimeSpan.FromMilliseconds(150), timeout ?? TimeSpan.FromSeconds(120))));

    /// <summary>Every acknowledged message id, with its number.</summary>
    public Dictionary<Guid, long> Acknowledged() =>
        Senders.SelectMany(s => s.AckSnapshot().Values).ToDictionary(a => a.MessageId, a => a.Seq);

    /// <summary>Waits (up to <paramref name="timeout"/>) until every member holds every acknowledged message and whatever else <paramref name="also"/> asks.</summary>
    public async Task SettleAsync(TimeSpan timeout, Func<Member, bool>? also = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var acked = Acknowledged();
        while (DateTime.UtcNow < deadline)
        {
            if (Members.All(m => Holds(m, acked) && (also?.Invoke(m) ?? true)))
            {
                return;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The checker.</summary>
    public LoadOutcome Check()
    {
        var acked = Acknowledged();
        int lost = 0, duplicated = 0, outOfOrder = 0, gaps = 0, checkedCount = 0;
        var detail = new StringBuilder();
        foreach (var member in Members)
        {
            var (numbered, messages, _) = member.Snapshot();
            var seen = messages.GroupBy(m => m.GetProperty("message_id").GetGuid()).ToDictionary(g => g.Key, g => g.Select(m => m.GetProperty("sequence_number").GetInt64()).ToList());
            var memberLost = acked.Keys.Count(id => !seen.ContainsKey(id));
            var memberDuplicated = seen.Values.Sum(s => s.Count - 1);
            var wrongNumber = acked.Count(a => seen.TryGetValue(a.Key, out var s) && s[0] != a.Value);
            var memberOutOfOrder = numbered.Zip(numbered.Skip(1)).Count(p => p.Second <= p.First) + wrongNumber;
            var memberGaps = numbered.Count == 0 ? 0 : (numbered[0] != member.StartSeq + 1 ? 1 : 0) + numbered.Zip(numbered.Skip(1)).Count(p => p.Second > p.First + 1);
            lost += memberLost;
            duplicated += memberDuplicated;
            outOfOrder += memberOutOfOrder;
            gaps += memberGaps;
            checkedCount += acked.Count - memberLost;
            detail.AppendLine(CultureInfo.InvariantCulture, $"{member.UserId}: start {member.StartSeq}, {numbered.Count} numbered frames [{Ranges(numbered)}], {messages.Count} messages, lost {memberLost}, duplicated {memberDuplicated}, out of order {memberOutOfOrder}, gaps {memberGaps}, sockets {member.Connections}, refused upgrades [{string.Join(",", member.RefusedUpgrades.Distinct())}], resync {member.ResyncRequired}, sent {member.Sent.Count}, acked {member.Acks.Count}, refused {member.Refused.Count}, unanswered {member.Pending}, errors [{string.Join(",", member.ErrorCodes.Distinct())}]");
        }

        return new LoadOutcome(acked.Count, checkedCount, lost, duplicated, outOfOrder, gaps, detail.ToString());
    }

    /// <summary>Asserts the checker's figures and records them; call after the test's own assertions about its fault.</summary>
    public LoadOutcome AssertNothingLost(int minimumAcknowledged)
    {
        var outcome = Check();
        var why = outcome.Detail + "\n" + System.Logs();
        Tally.Add(Tally.MessagesLost, outcome.Lost);
        Tally.Add(Tally.MessagesDuplicated, outcome.Duplicated);
        Assert.True(outcome.Lost == 0, "Lost acknowledged messages.\n" + why);
        Assert.True(outcome.Duplicated == 0, "Duplicated messages.\n" + why);
        Assert.True(outcome.OutOfOrder == 0, "Messages out of order.\n" + why);
        Assert.True(outcome.Gaps == 0, "Gaps in the numbers a member received.\n" + why);
        Assert.True(Members.All(m => !m.ResyncRequired), "A member was told to resync.\n" + why);
        Assert.True(Senders.All(s => s.Pending == 0), "A sent message was never answered.\n" + why);
        Assert.True(outcome.Acknowledged >= minimumAcknowledged, $"Only {outcome.Acknowledged} messages were acknowledged.\n" + why);
        Tally.Add(Tally.MessagesChecked, outcome.Checked);
        return outcome;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Members)
        {
            await member.DisposeAsync();
            member.Session.Dispose();
        }
    }

    private static bool Holds(Member member, Dictionary<Guid, long> acked)
    {
        var ids = member.Snapshot().Messages.Select(m => m.GetProperty("message_id").GetGuid()).ToHashSet();
        return acked.Keys.All(ids.Contains);
    }

    private static string Ranges(List<long> numbers)
    {
        var parts = new List<string>();
        for (var i = 0; i < numbers.Count;)
        {
            var j = i;
            while (j + 1 < numbers.Count && numbers[j + 1] == numbers[j] + 1)
            {
                j++;
            }

            parts.Add(i == j ? $"{numbers[i]}" : $"{numbers[i]}-{numbers[j]}");
            i = j + 1;
        }

        return string.Join(" ", parts);
    }
}
