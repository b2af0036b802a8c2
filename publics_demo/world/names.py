"""The nomenclature people are drawn from: first and last names, professions, e-mail domains
(and how each gets mistyped), streets, geographic zones, structures, and the sensitive comments
typed at the box office.
"""

from __future__ import annotations

FIRST_NAMES_F = ["Marie", "Anne", "Françoise", "Isabelle", "Catherine", "Sophie", "Nathalie", "Hélène",
                 "Cécile", "Élodie", "Gaëlle", "Chloé", "Léa", "Manon", "Camille", "Zoé", "Inès", "Noémie",
                 "Joëlle", "Héloïse", "Agnès", "Béatrice", "Geneviève", "Mélanie", "Clémence", "Margaux",
                 "Jeanne", "Louise", "Valérie", "Emma", "Maëlys", "Aurélie", "Danièle", "Brigitte",
                 "Monique", "Sylvie", "Christine", "Laure", "Juliette", "Océane", "Anaïs", "Lucie"]
FIRST_NAMES_M = ["Jean", "Pierre", "Michel", "François", "Philippe", "Jérôme", "Stéphane", "Frédéric",
                 "Thomas", "Nicolas", "Julien", "Hugo", "Lucas", "Noël", "Loïc", "Benoît", "Raphaël",
                 "Gaël", "Étienne", "Hervé", "Cédric", "Jacques", "Gérard", "Bernard", "André", "Louis",
                 "Arthur", "Gabriel", "Léo", "Joël", "Aurélien", "Rémi", "Théo", "Maël", "Olivier",
                 "Alain", "Daniel", "Christophe", "Mathieu", "Antoine", "Yann", "Grégoire"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
              "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
              "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
              "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin",
              "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément",
              "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez",
              "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier", "Roger",
              "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Pérez", "Marchand", "Dufour",
              "Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin",
              "Fernandez", "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc",
              "Vidal", "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Lacroix", "Fabre",
              "Dupuis", "Olivier", "Da Silva", "Hubert", "Rivière", "Le Gall", "Guillaume", "Ménard",
              "Fleury", "Deschamps", "Carpentier", "Benoît", "Maillard", "Aubry", "Le Roux", "Prévost",
              "Poirier", "Charpentier", "Huet", "Baron", "Dupuy", "Carré", "Breton", "Rémy", "Perret",
              "Cœurdevey", "Lœuillet", "Françon", "Besançon", "Brûlé", "Hénaff", "Maës", "Staël",
              "Ben Ahmed", "Haddad", "Benali", "Diallo", "Traoré", "Kowalski", "Nowak", "Ferreira",
              "Lebœuf", "Mahé", "Le Bihan", "Kergoat", "Jégou", "Lévêque", "Crépin", "Gaëtan"]
PROFESSIONS = ["Enseignant", "Étudiant", "Cadre", "Retraité", "Médecin", "Artiste", "Journaliste",
               "Profession libérale", "Employé", "Intermittent du spectacle", "Ingénieur", "Avocat",
               "Fonctionnaire", "Architecte", "Chef d'entreprise"]
EMAIL_DOMAINS = ["gmail.com", "orange.fr", "free.fr", "wanadoo.fr", "laposte.net", "hotmail.fr",
                 "yahoo.fr", "sfr.fr", "outlook.fr", "icloud.com", "protonmail.com"]
# How each domain gets mistyped when an address is typed again by hand.
EMAIL_TYPOS = {"gmail.com": "gmial.com", "orange.fr": "orange.fe", "free.fr": "fre.fr", "wanadoo.fr": "wanadoo.com",
               "laposte.net": "laposte.fr", "hotmail.fr": "hotmial.fr", "yahoo.fr": "yaho.fr", "sfr.fr": "sfr.com",
               "outlook.fr": "outlok.fr", "icloud.com": "iclould.com", "protonmail.com": "protonmail.fr"}
STREETS = ["rue Victor-Hugo", "avenue Jean-Jaurès", "boulevard Saint-Michel", "rue de la Gaîté",
           "place de l'Église", "allée des Cèdres", "rue Émile-Zola", "rue du Faubourg-Saint-Honoré",
           "rue de la République", "avenue des Champs-Élysées", "rue Mouffetard", "quai de la Loire",
           "rue des Écoles", "chemin des Vignes", "impasse du Cœur-Volant", "rue Favart",
           "rue de Ménilmontant", "avenue Foch", "rue Lamartine", "rue de la Paix", "cours Mirabeau",
           "rue Pasteur", "boulevard Voltaire", "rue Gambetta", "place Stanislas", "rue du Château"]

# (weight, [(postcode, town, country)]) per geographic zone
ZONES = {
    "paris": (0.40, [(f"750{n:02d}", "Paris", "FR") for n in range(1, 21)] + [("75116", "Paris", "FR")]),
    "petite_couronne": (0.25, [
        ("92100", "Boulogne-Billancourt", "FR"), ("92200", "Neuilly-sur-Seine", "FR"),
        ("92130", "Issy-les-Moulineaux", "FR"), ("92300", "Levallois-Perret", "FR"),
        ("92120", "Montrouge", "FR"), ("92190", "Meudon", "FR"), ("93100", "Montreuil", "FR"),
        ("93200", "Saint-Denis", "FR"), ("93300", "Aubervilliers", "FR"), ("93500", "Pantin", "FR"),
        ("94000", "Créteil", "FR"), ("94300", "Vincennes", "FR"), ("94100", "Saint-Maur-des-Fossés", "FR"),
        ("94200", "Ivry-sur-Seine", "FR"), ("94130", "Nogent-sur-Marne", "FR"), ("93160", "Noisy-le-Grand", "FR"),
    ]),
    "grande_couronne": (0.15, [
        ("78000", "Versailles", "FR"), ("78100", "Saint-Germain-en-Laye", "FR"), ("77300", "Fontainebleau", "FR"),
        ("77000", "Melun", "FR"), ("91000", "Évry-Courcouronnes", "FR"), ("91300", "Massy", "FR"),
        ("95000", "Cergy", "FR"), ("95100", "Argenteuil", "FR"), ("91120", "Palaiseau", "FR"),
        ("78150", "Le Chesnay-Rocquencourt", "FR"), ("77100", "Meaux", "FR"), ("95880", "Enghien-les-Bains", "FR"),
    ]),
    "province": (0.15, [
        ("69001", "Lyon", "FR"), ("13001", "Marseille", "FR"), ("33000", "Bordeaux", "FR"), ("59000", "Lille", "FR"),
        ("67000", "Strasbourg", "FR"), ("44000", "Nantes", "FR"), ("35000", "Rennes", "FR"), ("06000", "Nice", "FR"),
        ("31000", "Toulouse", "FR"), ("34000", "Montpellier", "FR"), ("21000", "Dijon", "FR"),
        ("02600", "Cœuvres-et-Valsery", "FR"), ("02200", "Soissons", "FR"), ("01000", "Bourg-en-Bresse", "FR"),
        ("20000", "Ajaccio", "FR"), ("97400", "Saint-Denis", "FR"), ("37000", "Tours", "FR"),
        ("45000", "Orléans", "FR"), ("51100", "Reims", "FR"), ("76000", "Rouen", "FR"), ("14000", "Caen", "FR"),
        ("80000", "Amiens", "FR"), ("60200", "Compiègne", "FR"), ("08000", "Charleville-Mézières", "FR"),
        ("05000", "Gap", "FR"), ("29200", "Brest", "FR"), ("07000", "Privas", "FR"), ("25000", "Besançon", "FR"),
    ]),
    "abroad": (0.05, [
        ("1000", "Bruxelles", "BE"), ("4000", "Liège", "BE"), ("1201", "Genève", "CH"), ("1003", "Lausanne", "CH"),
        ("10115", "Berlin", "DE"), ("SW1A 1AA", "London", "GB"), ("10001", "New York", "US"),
        ("00184", "Roma", "IT"), ("28001", "Madrid", "ES"), ("1111", "Luxembourg", "LU"),
        ("1012", "Amsterdam", "NL"), ("100-0001", "Tokyo", "JP"),
    ]),
}
LANG_OF_COUNTRY = {"GB": "en", "US": "en", "DE": "de", "IT": "it", "ES": "es", "NL": "en", "JP": "en"}

STRUCTURE_KINDS = [
    # (prefix, weight, email pattern)
    ("Collège", 0.25, "school"), ("Lycée", 0.15, "school"), ("École élémentaire", 0.15, "school"),
    ("Association", 0.20, "org"), ("CSE", 0.15, "org"), ("Conservatoire", 0.05, "org"),
    ("Résidence seniors", 0.05, "org"),
]
STRUCTURE_NAMES = ["Jean-Moulin", "Victor-Hugo", "Françoise-Dolto", "Jules-Ferry", "Émile-Zola", "Colette",
                   "Marie-Curie", "Paul-Éluard", "Gérard-Philipe", "Germaine-Tillion", "Simone-Veil",
                   "Lamartine", "Condorcet", "Fénelon", "Molière", "Racine", "George-Sand", "Berthe-Morisot",
                   "Louise-Michel", "Jacques-Prévert", "Les Amis de la musique", "Lyrique en herbe",
                   "Arts et Loisirs", "Groupe Hélios", "Société Mécanique Bréguet", "Banque du Levant",
                   "Les Glycines", "Musique à l'école", "Chœur de l'Yvette", "Les Mélomanes du Marais"]

SENSITIVE_COMMENTS = [
    "fauteuil roulant, place PMR",
    "Malentendant : boucle magnétique SVP",
    "Ne pas appeler le soir ; épouse hospitalisée",
    "Client difficile, s'est plaint 3 fois (voir M. Perrin)",
    "Courrier retourné, décédé ?",
    "Allergie aux acariens, éviter le rang A",
    "Ami du directeur - \"toujours placer au parterre\"",
    "Chômage : justificatif vu le 12/09",
]
