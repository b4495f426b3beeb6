using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Andon.Testing;

namespace Andon.Security.Tests;

/// <summary>One standalone process shared by the access tests that sign in without failing.</summary>
[CollectionDefinition(Name)]
public sealed class AccessMode : ICollectionFixture<StandaloneSystem>
{
    public const string Name = "standalone access";
}

internal static class AccessSetup
{
    /// <summary>A 1×1 PNG.</summary>
    public static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    public static Uri At(string path) => new(path, UriKind.Relative);

    /// <summary>A new room (owner, editor, viewer) once messaging and files have their copy of its members.</summary>
    public static async Task<Guid> ReadyRoomAsync(this StandaloneSystem system, string title = "權限測試")
    {
        var roomId = await system.NewRoomAsync(title);
        using var viewer = system.As(StandaloneSystem.Viewer);
        for (var i = 0; i < 200; i++)
        {
            using var messages = await viewer.GetAsync(At($"/api/rooms/{roomId}/messages"));
            using var files = await viewer.GetAsync(At($"/api/rooms/{roomId}/files"));
            if (messages.StatusCode == HttpStatusCode.OK && files.StatusCode == HttpStatusCode.OK)
            {
                return roomId;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("Messaging or files never learnt of the room's members.");
    }

    /// <summary>A text message posted by <paramref name="user"/>; its id.</summary>
    public static async Task<Guid> PostMessageAsync(this StandaloneSystem system, Guid roomId, string user, string content = "設備溫度上升")
    {
        using var client = system.As(user);
        using var posted = await client.PostAsJsonAsync(At($"/api/rooms/{roomId}/messages"), new { client_id = Guid.NewGuid().ToString(), message_type = "text", content });
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        return (await StandaloneSystem.Json(posted)).GetProperty("message_id").GetGuid();
    }

    /// <summary>A PNG uploaded by <paramref name="user"/>; its id.</summary>
    public static async Task<Guid> UploadAsync(this StandaloneSystem system, Guid roomId, string user)
    {
        using var client = system.As(user);
        using var upload = await client.PostAsync(At($"/api/rooms/{roomId}/files"), PngForm());
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        return (await StandaloneSystem.Json(upload)).GetProperty("file_id").GetGuid();
    }

    public static MultipartFormDataContent PngForm()
    {
        var file = new ByteArrayContent(Png);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return new MultipartFormDataContent { { file, "file", "defect.png" } };
    }

    public static Task<WsClient> Connect(this StandaloneSystem system, Guid roomId, string user) =>
        WsClient.ConnectAsync(system.Host.Address, roomId, system.Token(user));

    public static string Type(JsonElement frame) => frame.GetProperty("type").GetString()!;
}
