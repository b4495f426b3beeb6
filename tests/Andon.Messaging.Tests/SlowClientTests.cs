using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Messaging.Tests;

/// <summary>Standalone with a small per-connection queue (16 frames), so a client that stops reading overflows it quickly.</summary>
public sealed class SmallQueueSystem : StandaloneSystem
{
    protected override IDictionary<string, string> Settings() => new Dictionary<string, string> { ["Messaging__ConnectionQueueFrames"] = "16" };
}

public sealed class SlowClientTests(SmallQueueSystem system) : IClassFixture<SmallQueueSystem>
{
    [Fact]
    public async Task A_client_that_stops_reading_is_disconnected_and_the_others_get_everything()
    {
        var room = await system.ReadyRoomAsync();
        await using var reader = await system.Connect(room, Admin);
        await reader.NextOfTypeAsync("hello");
        using var stalled = await StalledClientAsync(room);
        await reader.NextAsync(f => f.GetProperty("type").GetString() == "presence" && f.GetProperty("online").GetArrayLength() == 2);
        await using var owner = await system.Connect(room, Owner);
        await using var editor = await system.Connect(room, Editor);

        // 120 frames of ~60 KB: more than the server's socket buffer and the 16-frame queue hold.
        var readings = new { blob = new string('x', 60_000) };
        async Task Flood(WsClient client, string who)
        {
            for (var i = 0; i < 60; i++)
            {
                await client.SendJsonAsync(new { type = "message", client_id = $"{who}-{i}", message_type = "incident_data", content = readings });
                await client.NextAsync(f => f.GetProperty("type").GetString() == "ack" && f.GetProperty("client_id").GetString() == $"{who}-{i}", TimeSpan.FromSeconds(20));
                await Task.Delay(90);
            }
        }

        await Task.WhenAll(Flood(owner, "owner"), Flood(editor, "editor"));

        var gone = await reader.NextAsync(f => f.GetProperty("type").GetString() == "presence"
            && f.GetProperty("online").EnumerateArray().All(u => u.GetString() != Viewer), TimeSpan.FromSeconds(20));
        Assert.Contains(Admin, gone.GetProperty("online").EnumerateArray().Select(u => u.GetString()));

        // The server let go of the stalled connection too: it is closed (what was already on its way
        // is read first), not held open behind the sends it could not take.
        Assert.True(await EndsAsync(stalled, TimeSpan.FromSeconds(20)), "the server still holds the stalled client's connection");
        var delivered = reader.Received.Where(f => f.GetProperty("type").GetString() == "message").Select(f => f.GetProperty("message").GetProperty("sequence_number").GetInt64()).ToList();
        for (var i = delivered.Count; i < 120; i++)
        {
            delivered.Add((await reader.NextOfTypeAsync("message")).GetProperty("message").GetProperty("sequence_number").GetInt64());
        }

        Assert.Equal(Enumerable.Range(0, 120).Select(i => delivered[0] + i), delivered);
    }

    private static async Task<bool> EndsAsync(TcpClient tcp, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[64 * 1024];
        try
        {
            while (await tcp.GetStream().ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true; // reset by the server
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// A WebSocket client that completes the upgrade and then never reads, with a 4 KB receive buffer
    /// (a real <c>ClientWebSocket</c> would let the kernel buffer megabytes for it).
    /// </summary>
    private async Task<TcpClient> StalledClientAsync(Guid room)
    {
        var tcp = new TcpClient { ReceiveBufferSize = 4096 };
        await tcp.ConnectAsync(system.Host.Address.Host, system.Host.Address.Port);
        var stream = tcp.GetStream();
        var request = $"GET /ws/{room} HTTP/1.1\r\nHost: {system.Host.Address.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\nSec-WebSocket-Version: 13\r\n"
            + $"Authorization: Bearer {system.Token(Viewer)}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(one) == 1)
        {
            head.Append((char)one[0]);
        }

        Assert.StartsWith("HTTP/1.1 101", head.ToString(), StringComparison.Ordinal);
        return tcp;
    }
}
