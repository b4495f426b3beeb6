using YamlDotNet.RepresentationModel;

namespace Andon.Deployment.Tests;

/// <summary>docker-compose.yml at the repository root, parsed.</summary>
public sealed class Compose
{
    public const string FileName = "docker-compose.yml";

    private Compose(string text, YamlMappingNode root)
    {
        Text = text;
        Root = root;
    }

    public string Text { get; }

    public YamlMappingNode Root { get; }

    public IReadOnlyDictionary<string, YamlMappingNode> Services =>
        Root.Map("services")?.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (YamlMappingNode)c.Value, StringComparer.Ordinal)
        ?? new Dictionary<string, YamlMappingNode>();

    public IReadOnlyList<string> DeclaredVolumes =>
        Root.Map("volumes")?.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList() ?? [];

    public static Compose Load()
    {
        var text = Repository.ReadAllText(FileName);
        return new Compose(text, Yaml.Document(text));
    }

    /// <summary>A service's environment, from either the mapping or the list ("NAME=value") form.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Environment(YamlMappingNode service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Get("environment") switch
        {
            YamlMappingNode map => map.Entries().ToList(),
            YamlSequenceNode list => list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").Select(item =>
                item.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0
                    ? new KeyValuePair<string, string?>(item[..eq], item[(eq + 1)..])
                    : new KeyValuePair<string, string?>(item, null)).ToList(),
            _ => [],
        };
    }

    /// <summary>A service's mounts as (source, target, is a named volume), from the short or the long syntax.</summary>
    public static IReadOnlyList<(string Source, string Target, bool Named)> Mounts(YamlMappingNode service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var mounts = new List<(string, string, bool)>();
        foreach (var item in service.Items("volumes"))
        {
            if (item is YamlScalarNode scalar)
            {
                var parts = (scalar.Value ?? "").Split(':');
                var source = parts.Length > 1 ? parts[0] : "";
                var target = parts.Length > 1 ? parts[1] : parts[0];
                mounts.Add((source, target, IsVolumeName(source)));
            }
            else if (item is YamlMappingNode map)
            {
                var source = map.Text("source") ?? "";
                var type = map.Text("type") ?? "volume";
                mounts.Add((source, map.Text("target") ?? "", type == "volume" && IsVolumeName(source)));
            }
        }

        return mounts;
    }

    /// <summary>A one-shot service runs to completion (restart: "no"); every other one runs for good.</summary>
    public static bool IsOneShot(YamlMappingNode service) => service.Text("restart") == "no";

    private static bool IsVolumeName(string source) =>
        source.Length > 0 && !source.StartsWith('.') && !source.StartsWith('/') && !source.StartsWith('~') && !source.StartsWith('$');
}
