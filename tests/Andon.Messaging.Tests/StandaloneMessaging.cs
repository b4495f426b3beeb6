using System.Net;
using Andon.Testing;

namespace Andon.Messaging.Tests;

[CollectionDefinition(Name)]
public sealed class StandaloneMessagingMode : ICollectionFixture<StandaloneSystem>
{
    public const string Name = "standalone messaging";
}

internal static class RoomSetup
{
    /// <summary>A new room (owner, editor, viewer) once messaging has its copy of it.</summary>
    public static async Task<Guid> ReadyRoomAsync(this StandaloneSystem system)
    {
        var roomId = await system.NewRoomAsync();
        using var client = system.As(StandaloneSystem.Viewer);
        for (var i = 0; i < 100; i++)
        {
            var response = await client.GetAsync(new Uri($"/api/rooms/{roomId}/messages", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return roomId;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("Messaging never learnt of the room.");
    }

    public static Task<WsClient> Connect(this StandaloneSystem system, Guid roomId, string user, long? lastSeq = null) =>
        WsClient.ConnectAsync(system.Host.Address, roomId, system.Token(user), lastSeq);
}
