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
    public async Task A_server_that_shuts_down_closes_its_sockets_with_1001_and_exits_cleanly()
    {
        var room = await system.ReadyRoomAsync();
        await using var client = await system.Connect(room, Owner);
        await client.NextOfTypeAsync("hello");
        await client.SendMessageAsync("before-stop", "停機前最後一則");
        await client.NextOfTypeAsync("ack");

        // SIGTERM, as a container runtime or Kubernetes sends it.
        using var kill = Process.Start("kill", ["-TERM", system.Host.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await client.ClosedAsync(TimeSpan.FromSeconds(20)));

        // The room writer, the outbox dispatchers and the bus stop without an error.
        Assert.Equal(0, await system.Host.ExitCodeAsync(TimeSpan.FromSeconds(30)));
        var output = system.Host.Output;
        Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", output, StringComparison.Ordinal);
        Assert.Contains("Bus stopped", output, StringComparison.Ordinal);
    }
}
