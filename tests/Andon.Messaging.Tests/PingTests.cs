using System.Net.Sockets;
using System.Text;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Messaging.Tests;

/// <summary>Standalone pinging every second with a one-second answer window (the defaults are 30 s and 10 s).</summary>
public sealed class FastPingSystem : StandaloneSystem
{
    protected override IDictionary<string, string> Settings() => new Dictionary<string, string>
    {
        ["Messaging__PingSeconds"] = "1",
        ["Messaging__PingTimeoutSeconds"] = "1",
    };
}

public sealed class PingTests(FastPingSystem system) : IClassFixture<FastPingSystem>
{
    [Fact]
    public async Task The_server_pings_and_closes_a_client_that_does_not_answer_but_keeps_one_that_does()
    {
        var room = await system.ReadyRoomAsync();
        await using var answering = await system.Connect(room, Admin); // ClientWebSocket answers pings itself
        await answering.NextOfTypeAsync("hello");

        // A client that completed the upgrade and reads, but never answers a ping.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(system.Host.Address.Host, system.Host.Address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET /ws/{room} HTTP/1.1\r\nHost: {system.Host.Address.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\nSec-WebSocket-Version: 13\r\n"
            + $"Authorization: Bearer {system.Token(Viewer)}\r\n\r\n"));
        var sawPing = false;
        var buffer = new byte[64 * 1024];
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(15))
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(15));
            }
            catch (IOException)
            {
                break; // reset by the server
            }

            if (read == 0)
            {
                break; // closed by the server
            }

            // A server-to-client ping frame starts with 0x89 (FIN + opcode 9).
            sawPing |= buffer.AsSpan(0, read).IndexOf((byte)0x89) >= 0;
        }

        Assert.True(sawPing, "No ping frame was seen.");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "The silent client was not closed.");
        var presence = await answering.NextAsync(f => f.GetProperty("type").GetString() == "presence" && f.GetProperty("online").GetArrayLength() == 1, TimeSpan.FromSeconds(5));
        Assert.Equal(Admin, presence.GetProperty("online")[0].GetString());
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, answering.State);
    }
}
