package sandbox

// Word lists for the deterministic demo seed.

var seedCompanyFirst = []string{
	"Alpine", "Blue Yonder", "Cedar", "Coho", "Datum", "Elm Street", "Fourth Coffee", "Graphic",
	"Humongous", "Litware", "Lucerne", "Margie's", "Nod", "Northridge", "Proseware", "Relecloud",
	"Southridge", "Tailspin", "Trey", "VanArsdel", "Wide World", "Woodgrove", "Wingtip", "Adventure",
	"Bellows", "Consolidated", "Contour", "Fjord", "Granite", "Harbor", "Iris", "Juniper", "Keystone",
	"Lakeshore", "Maple", "Meridian", "Oakridge", "Pinnacle", "Quarry", "Redwood", "Sapphire",
	"Summit", "Tidewater", "Upland", "Valley", "Willow", "Yellowstone", "Zephyr", "Beacon", "Copper",
}

var seedCompanySecond = []string{
	"Logistics", "Health", "Consulting", "Law Group", "Bakery", "Design", "Energy", "Airlines",
	"Insurance", "Labs", "Publishing", "Travel", "Clinic", "Builders", "Foods", "Partners",
	"Analytics", "Academy", "Winery", "Dental", "Studios", "Outfitters", "Motors", "Realty",
}

var seedFirstNames = []string{
	"Ada", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
	"Liam", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera",
	"Wen", "Ximena", "Yusuf", "Zoe", "Amir", "Bianca", "Carlos", "Dana", "Emil", "Fatima",
	"Gustav", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Mateo", "Nina", "Oscar", "Priya",
	"Ravi", "Sofia", "Tomas", "Uma", "Viktor", "Wanda", "Yara", "Zeke",
}

var seedLastNames = []string{
	"Abbott", "Baker", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes", "Ito",
	"Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi",
	"Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zimmer", "Almeida", "Brennan",
	"Chen", "Diaz", "Evans", "Ferreira", "Gupta", "Haddad", "Iqbal", "Johansson", "Kim", "Lopez",
	"Murphy", "Novak", "Oliveira", "Park", "Reyes", "Silva", "Torres", "Usman", "Volkov", "Wilson",
}

var seedDepts = []string{"", "", "Sales", "Support", "Engineering", "Finance", "Operations", "Marketing", "HR"}

var seedTimezones = []string{"America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Berlin", "Asia/Tokyo"}

var seedStates = []struct{ city, state, zip string }{
	{"Seattle", "WA", "98101"}, {"Austin", "TX", "73301"}, {"Denver", "CO", "80202"},
	{"Boston", "MA", "02108"}, {"Chicago", "IL", "60601"}, {"Portland", "OR", "97201"},
}
