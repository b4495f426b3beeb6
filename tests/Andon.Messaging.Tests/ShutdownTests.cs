using System.Diagnostics;
using System.Net.WebSockets;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Messaging.Tests;

/// <summary>A standalone process of its own, to be stopped.</summary>
public sealed class StoppableSystem : StandaloneSystem
{
}

public sealed class ShutdownTests(StoppableSystem system) : IClassFixture<StoppableSystem>
{
    [Fact]
    public async Task A_server_that_shuts_down_closes_its_sockets_with_1001()
    {
        var room = await system.ReadyRoomAsync();
        await using var client = await system.Connect(room, Owner);
        await client.NextOfTypeAsync("hello");

        // SIGTERM, as a container runtime or Kubernetes sends it.
        using var kill = Process.Start("kill", ["-TERM", system.Host.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await client.ClosedAsync(TimeSpan.FromSeconds(20)));
    }
}
