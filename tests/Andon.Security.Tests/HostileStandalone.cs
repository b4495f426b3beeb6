using System.Net;
using Andon.Testing;

namespace Andon.Security.Tests;

/// <summary>One standalone process shared by the hostile-input tests.</summary>
[CollectionDefinition(Name)]
public sealed class HostileStandalone : ICollectionFixture<StandaloneSystem>
{
    public const string Name = "hostile standalone";
}

internal static class HostileSetup
{
    /// <summary>A new room (owner, editor, viewer) once messaging has its copy of it.</summary>
    public static async Task<Guid> ReadyRoomAsync(this StandaloneSystem system, string title = "三號線輸送帶停止")
    {
        var roomId = await system.NewRoomAsync(title);
        using var client = system.As(StandaloneSystem.Viewer);
        for (var i = 0; i < 200; i++)
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

    public static Task<WsClient> Connect(this StandaloneSystem system, Guid roomId, string user) =>
        WsClient.ConnectAsync(system.Host.Address, roomId, system.Token(user));
}
