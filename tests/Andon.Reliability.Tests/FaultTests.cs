using System.Net;
using Andon.Testing;
using Xunit.Abstractions;

namespace Andon.Reliability.Tests;

/// <summary>
/// Faults injected into the running distributed system while two members send and three receive
/// through the gateway; after each, the checker of <see cref="RoomLoad"/> proves that every
/// acknowledged message reached every member exactly once and in order. The tests share one
/// system and run one after the other; each leaves it whole again.
/// </summary>
public sealed class FaultTests(FaultSystem system, ITestOutputHelper output) : IClassFixture<FaultSystem>
{
    private const int PerSender = 60;

    [Fact]
    public async Task A_messaging_replica_killed_under_load_loses_and_duplicates_nothing_its_clients_resume_on_the_other()
    {
        await using var load = await RoomLoad.OpenAsync(system, "五號線射出機停機");
        var sending = load.SendAsync(PerSender);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = load.Members.Sum(m => m.Connections);

        // SIGKILL: the replica's sockets drop without a close frame; the gateway takes it out of
        // the rotation when it fails its live check.
        await system.KillReplicaAsync(0);
        try
        {
            await sending;
            await load.SettleAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await system.RestartReplicaAsync(0);
        }

        Assert.True(load.Members.Sum(m => m.Connections) > before, "No member's socket was on the killed replica.\n" + load.Check().Detail);
        Assert.All(load.Senders, s => Assert.Empty(s.Refused));
        output.WriteLine(load.AssertNothingLost(minimumAcknowledged: 2 * PerSender).Detail);
        Tally.Add(Tally.FaultsSurvived, 1);
    }
}
