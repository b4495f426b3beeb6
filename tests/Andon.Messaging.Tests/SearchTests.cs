using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Messaging.Tests;

/// <summary>Message search: Chinese substrings, highlights that are safe HTML, only the caller's rooms.</summary>
[Collection(StandaloneMessagingMode.Name)]
public sealed class SearchTests(StandaloneSystem system)
{
    private static Uri At(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task Search_finds_chinese_marks_hits_escapes_the_rest_and_stays_in_the_callers_rooms()
    {
        var marker = Guid.NewGuid().ToString("N")[..6];
        var room = await system.ReadyRoomAsync();
        using var owner = system.As(Owner);
        var sent = await owner.PostAsJsonAsync(At($"/api/rooms/{room}/messages"), new { client_id = "s", message_type = "text", content = $"{marker} 設備溫度上升 <script>alert(1)</script> 溫度" });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);

        var found = await StandaloneSystem.Json(await owner.GetAsync(At($"/api/messages/search?q={Uri.EscapeDataString(marker + " 設備溫度")}")));
        var hit = Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Equal(1, found.GetProperty("total").GetInt32());
        Assert.Equal(room, hit.GetProperty("room_id").GetGuid());
        Assert.Equal("三號線輸送帶停止", hit.GetProperty("room_title").GetString());

        var byWord = await StandaloneSystem.Json(await owner.GetAsync(At($"/api/messages/search?room_id={room}&q={Uri.EscapeDataString("溫度")}")));
        var highlight = Assert.Single(byWord.GetProperty("items").EnumerateArray()).GetProperty("highlight").GetString();
        Assert.Equal($"{marker} 設備<mark>溫度</mark>上升 &lt;script&gt;alert(1)&lt;/script&gt; <mark>溫度</mark>", highlight);

        using var stranger = system.As(NonMember);
        var hidden = await StandaloneSystem.Json(await stranger.GetAsync(At($"/api/messages/search?q={marker}")));
        Assert.Equal(0, hidden.GetProperty("total").GetInt32());
        using var admin = system.As(Admin);
        Assert.Equal(1, (await StandaloneSystem.Json(await admin.GetAsync(At($"/api/messages/search?q={marker}")))).GetProperty("total").GetInt32());

        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync(At("/api/messages/search?q="))).StatusCode);
        Assert.Equal(0, (await StandaloneSystem.Json(await owner.GetAsync(At($"/api/messages/search?q={Uri.EscapeDataString("%" + marker)}")))).GetProperty("total").GetInt32());
    }
}
