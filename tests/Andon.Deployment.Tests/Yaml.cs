using YamlDotNet.RepresentationModel;

namespace Andon.Deployment.Tests;

/// <summary>Small helpers over YamlDotNet's representation model.</summary>
public static class Yaml
{
    /// <summary>Every document of <paramref name="text"/> whose root is a mapping (empty documents are left out).</summary>
    public static IReadOnlyList<YamlMappingNode> Documents(string text)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(text))
        {
            stream.Load(reader);
        }

        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    public static YamlMappingNode Document(string text) =>
        Documents(text) is [var single] ? single : throw new InvalidOperationException("Expected one YAML document with a mapping at its root.");

    public static YamlNode? Get(this YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node))
            {
                return null;
            }
        }

        return node;
    }

    public static YamlMappingNode? Map(this YamlNode? node, params string[] path) => node.Get(path) as YamlMappingNode;

    public static IEnumerable<YamlNode> Items(this YamlNode? node, params string[] path) =>
        node.Get(path) is YamlSequenceNode sequence ? sequence.Children : [];

    public static string? Text(this YamlNode? node, params string[] path) => (node.Get(path) as YamlScalarNode)?.Value;

    /// <summary>The keys of a mapping and their values as text (null for a value that is not a scalar).</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Entries(this YamlMappingNode? map) =>
        map is null
            ? []
            : map.Children.Select(c => new KeyValuePair<string, string?>(((YamlScalarNode)c.Key).Value ?? "", (c.Value as YamlScalarNode)?.Value));
}
