using System.Reflection;

namespace Andon.BuildingBlocks.Tests;

/// <summary>The layering of DESIGN.md, checked on the compiled modules.</summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly[] Modules =
    [
        typeof(Andon.Identity.IdentityModule).Assembly,
        typeof(Andon.Rooms.RoomsModule).Assembly,
    ];

    public static TheoryData<string> ModuleNames()
    {
        var data = new TheoryData<string>();
        foreach (var module in Modules)
        {
            data.Add(module.GetName().Name!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void Domain_depends_on_nothing_but_the_base_library_and_itself(string moduleName)
    {
        var module = Modules.Single(m => m.GetName().Name == moduleName);
        var domain = module.GetTypes().Where(t => t.Namespace?.EndsWith(".Domain", StringComparison.Ordinal) == true).ToList();
        Assert.NotEmpty(domain);

        var offending = domain
            .SelectMany(t => ReferencedTypes(t).Select(r => (Type: t, Reference: r)))
            .Where(x => x.Reference.Assembly != module && x.Reference.Assembly != typeof(object).Assembly)
            .Select(x => $"{x.Type.Name} uses {x.Reference.FullName}")
            .Distinct()
            .ToList();

        Assert.True(offending.Count == 0, string.Join('\n', offending));
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void Every_feature_lives_in_its_own_folder(string moduleName)
    {
        var module = Modules.Single(m => m.GetName().Name == moduleName);
        var endpoints = module.GetTypes().Where(t => t.Name.EndsWith("Endpoints", StringComparison.Ordinal) || t.Name.EndsWith("Endpoint", StringComparison.Ordinal));

        Assert.All(endpoints, t => Assert.Matches(@"\.Features\.[A-Za-z]+$", t.Namespace));
    }

    private static IEnumerable<Type> ReferencedTypes(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var types = new List<Type>();
        if (type.BaseType is not null)
        {
            types.Add(type.BaseType);
        }

        types.AddRange(type.GetInterfaces());
        types.AddRange(type.GetFields(all).Select(f => f.FieldType));
        types.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(all))
        {
            types.Add(method.ReturnType);
            types.AddRange(method.GetParameters().Select(p => p.ParameterType));
        }

        return types.SelectMany(Unwrap);
    }

    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.HasElementType)
        {
            return Unwrap(type.GetElementType()!);
        }

        return type.IsGenericType ? type.GetGenericArguments().SelectMany(Unwrap).Append(type.GetGenericTypeDefinition()) : [type];
    }
}
