using System.Globalization;
using System.Reflection;

namespace Andon.Deployment.Tests;

/// <summary>
/// The environment variables a host binds to its options: each option class is walked by reflection
/// the way the configuration binder sees it (settable scalar properties, nested classes, list items
/// by index), plus fixed keys and prefixes that the host reads directly. A variable is written
/// <c>Section__Key__0__Key</c>; names compare without regard to case, as configuration keys do.
/// </summary>
public sealed class OptionKeys
{
    private const string Index = "#";
    private const string AnySegment = "*";
    private const string AnyRest = "**";

    private readonly List<(string[] Segments, Type? ValueType)> patterns = [];
    private readonly List<string> prefixes = [];

    /// <summary>Every bindable key of <paramref name="optionsType"/> under <paramref name="section"/>.</summary>
    public OptionKeys Options(string section, Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        Walk(optionsType, [section], 0);
        return this;
    }

    /// <summary>A key pattern: <c>*</c> stands for one segment, <c>#</c> for a list index, a final <c>**</c> for anything below.</summary>
    public OptionKeys Key(string pattern, Type? valueType = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        patterns.Add((pattern.Split("__"), valueType));
        return this;
    }

    /// <summary>Variables read by name prefix (ASPNETCORE_*, OTEL_*), not through a section.</summary>
    public OptionKeys Prefix(string prefix)
    {
        prefixes.Add(prefix);
        return this;
    }

    public IEnumerable<string> Describe() =>
        patterns.Select(p => string.Join("__", p.Segments)).Concat(prefixes.Select(p => p + "*")).Order(StringComparer.Ordinal);

    /// <summary>Null when <paramref name="name"/> binds to an option and <paramref name="value"/> suits it; else why not.</summary>
    public string? Check(string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
        {
            return null;
        }

        var segments = name.Split("__");
        var match = patterns.FirstOrDefault(p => Matches(p.Segments, segments));
        if (match.Segments is null)
        {
            return $"{name} binds to no option (known: {string.Join(", ", Describe())})";
        }

        return match.ValueType is null || value is null || value.Contains("${", StringComparison.Ordinal) || Parses(match.ValueType, value)
            ? null
            : $"{name}={value} is not a valid {match.ValueType.Name}";
    }

    private static bool Matches(string[] pattern, string[] segments)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == AnyRest)
            {
                return segments.Length > i;
            }

            if (i >= segments.Length)
            {
                return false;
            }

            var ok = pattern[i] switch
            {
                Index => segments[i].Length > 0 && segments[i].All(char.IsAsciiDigit),
                AnySegment => segments[i].Length > 0,
                _ => string.Equals(pattern[i], segments[i], StringComparison.OrdinalIgnoreCase),
            };
            if (!ok)
            {
                return false;
            }
        }

        return segments.Length == pattern.Length;
    }

    private static bool Parses(Type type, string value)
    {
        if (value.Length == 0)
        {
            return true; // an empty value leaves the option at its default
        }

        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsEnum)
        {
            return Enum.TryParse(t, value, ignoreCase: true, out _);
        }

        if (t == typeof(bool))
        {
            return bool.TryParse(value, out _);
        }

        if (t == typeof(int))
        {
            return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
        }

        return true;
    }

    private void Walk(Type type, List<string> prefix, int depth)
    {
        if (depth > 8)
        {
            return; // a cycle: nothing bound that deep
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null)
            {
                continue;
            }

            var settable = property.SetMethod is { IsPublic: true };
            var path = new List<string>(prefix) { property.Name };
            var propertyType = property.PropertyType;
            if (IsScalar(propertyType))
            {
                if (settable)
                {
                    patterns.Add((path.ToArray(), propertyType));
                }
            }
            else if (DictionaryValue(propertyType) is { } valueType)
            {
                Add(path.Append(AnySegment).ToList(), valueType, depth);
            }
            else if (ElementType(propertyType) is { } elementType)
            {
                // The binder fills a list in place when it can add to it; a read-only sequence
                // (IEnumerable<T> without a setter, e.g. a computed property) is not bound.
                if (settable || IsMutableCollection(propertyType))
                {
                    Add(path.Append(Index).ToList(), elementType, depth);
                }
            }
            else if (propertyType.IsClass && (settable || propertyType.GetConstructor(Type.EmptyTypes) is not null))
            {
                Walk(propertyType, path, depth + 1);
            }
        }
    }

    private void Add(List<string> path, Type type, int depth)
    {
        if (IsScalar(type))
        {
            patterns.Add((path.ToArray(), type));
        }
        else if (depth > 8)
        {
            return; // a cycle: nothing bound that deep
        }
        else if (DictionaryValue(type) is { } valueType)
        {
            // A dictionary's or list's value is itself a collection, e.g. Dictionary<string, List<T>>.
            Add(path.Append(AnySegment).ToList(), valueType, depth + 1);
        }
        else if (ElementType(type) is { } elementType)
        {
            Add(path.Append(Index).ToList(), elementType, depth + 1);
        }
        else
        {
            Walk(type, path, depth + 1);
        }
    }

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(DateTime)
            || t == typeof(DateTimeOffset) || t == typeof(TimeSpan) || t == typeof(Guid) || t == typeof(Uri);
    }

    private static Type? DictionaryValue(Type type) =>
        Generic(type, typeof(IDictionary<,>)) is { } dictionary && dictionary.GetGenericArguments()[0] == typeof(string)
            ? dictionary.GetGenericArguments()[1]
            : null;

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType() : Generic(type, typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static bool IsMutableCollection(Type type) => !type.IsArray && Generic(type, typeof(ICollection<>)) is not null;

    private static Type? Generic(Type type, Type definition)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == definition)
        {
            return type;
        }

        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);
    }
}
