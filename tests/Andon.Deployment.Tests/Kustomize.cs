using System.Collections.Concurrent;
using YamlDotNet.RepresentationModel;

namespace Andon.Deployment.Tests;

/// <summary>The manifests an overlay renders to, by <c>kubectl kustomize</c>.</summary>
public static class Kustomize
{
    public const string InstallHint =
        "kubectl 1.14 or later (it includes kustomize), e.g. the Debian package kubectl from the Kubernetes or Google Cloud apt repository.";

    private static readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyList<YamlMappingNode>>>> Rendered = new(StringComparer.Ordinal);

    public static Task<IReadOnlyList<YamlMappingNode>> RenderAsync(string overlay) =>
        Rendered.GetOrAdd(overlay, o => new Lazy<Task<IReadOnlyList<YamlMappingNode>>>(() => Run(o))).Value;

    public static IEnumerable<YamlMappingNode> OfKind(this IEnumerable<YamlMappingNode> manifests, string kind) =>
        manifests.Where(m => m.Text("kind") == kind);

    public static string Name(this YamlMappingNode manifest) => manifest.Text("metadata", "name") ?? "";

    private static async Task<IReadOnlyList<YamlMappingNode>> Run(string overlay)
    {
        var result = await ExternalTool.RunAsync("kubectl", InstallHint, "kustomize", overlay);
        Assert.True(result.ExitCode == 0, result.Describe($"kubectl kustomize {overlay}"));
        return Yaml.Documents(result.StandardOutput);
    }
}
