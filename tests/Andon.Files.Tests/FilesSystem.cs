using System.Net;
using System.Net.Http.Headers;
using Andon.Testing;

namespace Andon.Files.Tests;

public enum Actor
{
    /// <summary>Owner of every room the fixture makes.</summary>
    Owner,

    /// <summary>An editor: may upload.</summary>
    Editor,

    Viewer,
    NonMember,
    Admin,
}

/// <summary>A running Andon with the files service, whichever way it runs (standalone on disk, or distributed on S3).</summary>
public interface IFilesSystem
{
    Uri Address { get; }

    /// <summary>A client acting as <paramref name="actor"/> (bearer token).</summary>
    HttpClient ClientOf(Actor actor);

    string Token(Actor actor);

    /// <summary>A new active room with an owner, an editor and a viewer, known to the files service.</summary>
    Task<Guid> NewRoomAsync();

    /// <summary>Every object key in the store under the room, read from the store itself (not through the service).</summary>
    Task<IReadOnlyList<string>> ObjectKeysAsync(Guid roomId);

    /// <summary>What the hosts printed, for a failure message.</summary>
    string Logs();

    /// <summary>An object's bytes, read from the store itself.</summary>
    Task<byte[]> ReadObjectAsync(string key);
}

internal static class Uploads
{
    /// <summary>Returns once the files service answers the room's editor and viewer (it learns of rooms and members by events).</summary>
    public static async Task<Guid> KnownToFilesAsync(this IFilesSystem system, Guid roomId)
    {
        using var editor = system.ClientOf(Actor.Editor);
        using var viewer = system.ClientOf(Actor.Viewer);
        var list = new Uri($"/api/rooms/{roomId}/files", UriKind.Relative);
        for (var i = 0; i < 150; i++)
        {
            if ((await editor.GetAsync(list)).IsSuccessStatusCode && (await viewer.GetAsync(list)).IsSuccessStatusCode)
            {
                return roomId;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The files service never learnt of the room.\n" + system.Logs());
    }

    /// <summary>Connects once messaging has heard of the room and the membership (both arrive by events).</summary>
    public static async Task<WsClient> ConnectWhenMemberAsync(Func<Task<WsClient>> connect)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return await connect();
            }
            catch (WsRefusedException ex) when (i < 100 && ex.Status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
            {
                await Task.Delay(100);
            }
        }
    }

    public static async Task<HttpResponseMessage> UploadAsync(this HttpClient client, Guid roomId, byte[] bytes, string filename, string? description = null, string clientType = "application/octet-stream")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(clientType);
        form.Add(file, "file", filename);
        if (description is not null)
        {
            form.Add(new StringContent(description), "description");
        }

        return await client.PostAsync(new Uri($"/api/rooms/{roomId}/files", UriKind.Relative), form);
    }
}
