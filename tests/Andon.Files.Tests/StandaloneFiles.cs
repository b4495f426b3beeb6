using System.Net.Http.Json;
using System.Text.Json;
using Andon.Testing;

namespace Andon.Files.Tests;

/// <summary>Standalone: the files module on SQLite with its local-disk store.</summary>
public sealed class StandaloneFiles : StandaloneSystem, IFilesSystem
{
    public Uri Address => Host.Address;

    private string Objects => Path.Combine(DataFolder, "objects");

    public HttpClient ClientOf(Actor actor) => As(User(actor));

    public string Token(Actor actor) => Token(User(actor));

    public async Task<Guid> NewRoomAsync() => await this.KnownToFilesAsync(await NewRoomAsync("三號線輸送帶停止"));

    public Task<IReadOnlyList<string>> ObjectKeysAsync(Guid roomId)
    {
        var folder = Path.Combine(Objects, roomId.ToString("D"));
        IReadOnlyList<string> keys = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Objects, f).Replace('\\', '/')).Order().ToList()
            : [];
        return Task.FromResult(keys);
    }

    public string Logs() => Host.Output;

    public Task<byte[]> ReadObjectAsync(string key) => File.ReadAllBytesAsync(Path.Combine(Objects, key));

    private static string User(Actor actor) => actor switch
    {
        Actor.Owner => Owner,
        Actor.Editor => Editor,
        Actor.Viewer => Viewer,
        Actor.NonMember => NonMember,
        _ => Admin,
    };
}

public sealed class StandaloneFileRules(StandaloneFiles system) : FileRules(system), IClassFixture<StandaloneFiles>
{
    [Fact]
    public async Task An_upload_becomes_an_image_ref_message_from_the_uploader_on_members_sockets()
    {
        var roomId = await system.NewRoomAsync();
        await using var viewer = await Uploads.ConnectWhenMemberAsync(() => WsClient.ConnectAsync(system.Address, roomId, bearer: system.Token(Actor.Viewer)));
        await viewer.NextOfTypeAsync("hello");
        using var editor = system.ClientOf(Actor.Editor);
        var file = await (await editor.UploadAsync(roomId, Samples.Png(), "馬達.png")).Content.ReadFromJsonAsync<JsonElement>();

        var message = (await viewer.NextAsync(f => f.GetProperty("type").GetString() == "message" && f.GetProperty("message").GetProperty("message_type").GetString() == "image_ref")).GetProperty("message");
        Assert.Equal(file.GetProperty("file_id").GetGuid(), message.GetProperty("file_id").GetGuid());
        Assert.Equal(StandaloneSystem.Editor, message.GetProperty("sender_id").GetString());
        Assert.Equal("陳大華", message.GetProperty("sender_name").GetString());
        Assert.Equal("馬達.png", message.GetProperty("content").GetString());

        var document = await (await editor.UploadAsync(roomId, Samples.Pdf(), "SOP.pdf")).Content.ReadFromJsonAsync<JsonElement>();
        var fileRef = (await viewer.NextAsync(f => f.GetProperty("type").GetString() == "message" && f.GetProperty("message").GetProperty("message_type").GetString() == "file_ref")).GetProperty("message");
        Assert.Equal(document.GetProperty("file_id").GetGuid(), fileRef.GetProperty("file_id").GetGuid());
    }
}
