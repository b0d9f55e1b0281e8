package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"yizhan/data"
)

// sources holds the shared input files the records are built from.
type sources struct {
	ports  []portFeature
	places map[int]placeFeature // by GeoNames geonameid
}

type portFeature struct {
	ID       string `json:"id"`
	Geometry struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		ID             string `json:"id"`
		NameZH         string `json:"name_zh"`
		NameEN         string `json:"name_en"`
		BorderWith     string `json:"border_with"`
		Modes          string `json:"modes"`
		Locode         string `json:"locode"`
		Status         string `json:"status"`
		CoordSource    string `json:"coord_source"`
		CoordPrecision string `json:"coord_precision"`
		IsCheckpoint   bool   `json:"is_checkpoint_position"`
	} `json:"properties"`
}

type placeFeature struct {
	Geometry struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		GeonameID int    `json:"geonameid"`
		Name      string `json:"name"`
		LeagueZH  string `json:"league_zh"`
	} `json:"properties"`
}

func readSources(shared string) (*sources, error) {
	var src sources
	var ports struct {
		Features []portFeature `json:"features"`
	}
	if err := readJSON(filepath.Join(shared, "ports", "inner_mongolia_ports.geojson"), &ports); err != nil {
		return nil, err
	}
	if len(ports.Features) == 0 {
		return nil, fmt.Errorf("ports: %w", errNoFeatures)
	}
	src.ports = ports.Features

	var places struct {
		Features []placeFeature `json:"features"`
	}
	if err := readJSON(filepath.Join(shared, "places", "inner_mongolia_places_geonames.geojson"), &places); err != nil {
		return nil, err
	}
	if len(places.Features) == 0 {
		return nil, fmt.Errorf("places: %w", errNoFeatures)
	}
	src.places = make(map[int]placeFeature, len(places.Features))
	for _, p := range places.Features {
		src.places[p.Properties.GeonameID] = p
	}
	return &src, nil
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read source: %w", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// record is one station record in the GeoJSON shape data.DecodeStations reads.
type record struct {
	Type       string      `json:"type"`
	ID         string      `json:"id"`
	Geometry   pointGeom   `json:"geometry"`
	Properties recordProps `json:"properties"`
}

type pointGeom struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

type names struct {
	ZH string `json:"zh,omitempty"`
	EN string `json:"en,omitempty"`
	RU string `json:"ru,omitempty"`
	MN string `json:"mn,omitempty"`
}

type portInfo struct {
	Country string   `json:"country,omitempty"`
	Modes   []string `json:"modes"`
	Hours   string   `json:"hours,omitempty"`
}

type recordProps struct {
	Kind               string    `json:"kind"`
	Names              names     `json:"names"`
	Amenities          []string  `json:"amenities"`
	OpeningHours       string    `json:"opening_hours,omitempty"`
	CapacityPerDay     int       `json:"capacity_per_day,omitempty"`
	Beds               int       `json:"beds,omitempty"`
	TruckParkingSpaces int       `json:"truck_parking_spaces,omitempty"`
	AreaM2             int       `json:"area_m2,omitempty"`
	Languages          []string  `json:"languages,omitempty"`
	Port               *portInfo `json:"port,omitempty"`
	Region             string    `json:"region,omitempty"`
	Address            string    `json:"address,omitempty"`
	Operator           string    `json:"operator,omitempty"`
	Status             string    `json:"status"`
	UpdatedAt          string    `json:"updated_at"`
	Source             string    `json:"source"`
}

// portRegions names the league (盟市) of each located port. Editorial: the
// port files carry no region.
var portRegions = map[string]string{
	"manzhouli-road": "呼伦贝尔市",
	"manzhouli-rail": "呼伦贝尔市",
	"erenhot-road":   "锡林郭勒盟",
	"erenhot-rail":   "锡林郭勒盟",
	"ceke":           "阿拉善盟",
	"zhuengadabuqi":  "锡林郭勒盟",
	"heishantou":     "呼伦贝尔市",
	"shiwei":         "呼伦贝尔市",
	"hohhot-air":     "呼和浩特市",
	"hailar-air":     "呼伦贝尔市",
	"manzhouli-air":  "呼伦贝尔市",
	"baotou-air":     "包头市",
	"ordos-air":      "鄂尔多斯市",
	"erenhot-air":    "锡林郭勒盟",
}

// portModes maps the editorial modes of the port file to record modes.
// The river ports (Heishantou, Shiwei) are crossed by vehicles on a ferry,
// pontoon bridge or ice road, so they count as road ports.
var portModes = map[string][]string{
	"road":       {"road"},
	"rail":       {"rail"},
	"road;rail":  {"road", "rail"},
	"river/road": {"road"},
	"air":        {"air"},
}

// portRecords turns every located port into a record. The position is the
// one the port file chose; its source says what the point really is.
func portRecords(src *sources) ([]record, error) {
	var out []record
	for _, f := range src.ports {
		p := f.Properties
		if p.Status != "located" {
			continue
		}
		if f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) != 2 {
			return nil, fmt.Errorf("port %s: geometry is not a 2D point", p.ID)
		}
		if p.IsCheckpoint {
			return nil, fmt.Errorf("port %s: unexpected checkpoint position; update the source text", p.ID)
		}
		modes, ok := portModes[p.Modes]
		if !ok {
			return nil, fmt.Errorf("port %s: unknown modes %q", p.ID, p.Modes)
		}
		region, ok := portRegions[p.ID]
		if !ok {
			return nil, fmt.Errorf("port %s: no region", p.ID)
		}
		country := p.BorderWith
		if len(modes) == 1 && modes[0] == "air" {
			country = ""
		}
		precision := p.CoordPrecision
		if !strings.Contains(precision, "checkpoint") {
			precision += ", not the checkpoint"
		}
		source := fmt.Sprintf("Position: %s — %s.", p.CoordSource, precision)
		if p.Locode != "" {
			source += fmt.Sprintf(" UN/LOCODE %s.", p.Locode)
		}
		source += " Names, neighbouring country and modes are editorial." +
			" Compiled in shared/data/ports/inner_mongolia_ports.geojson."
		out = append(out, record{
			Type:     "Feature",
			ID:       "port-" + p.ID,
			Geometry: pointGeom{"Point", [2]float64{f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]}},
			Properties: recordProps{
				Kind:      "port",
				Names:     names{ZH: p.NameZH, EN: p.NameEN},
				Amenities: []string{},
				Port:      &portInfo{Country: country, Modes: modes},
				Region:    region,
				Status:    "open",
				UpdatedAt: updatedAt,
				Source:    source,
			},
		})
	}
	return out, nil
}

// town is a real populated place of the GeoNames file at whose centre
// example stations are placed. zh and en label the stations; geonamesName
// guards against a mistyped geonameid.
type town struct {
	key          string
	geonameID    int
	geonamesName string
	zh, en       string
	region       string   // league; "" means the GeoNames file's league_zh
	languages    []string // staff languages of the examples here
}

var (
	langRU = []string{"zh", "ru", "mn"}
	langMN = []string{"zh", "mn"}
)

var towns = []town{
	{"manzhouli", 2035836, "Manzhouli", "满洲里", "Manzhouli", "", langRU},
	{"erenhot", 2037485, "Erenhot", "二连浩特", "Erenhot", "", []string{"zh", "mn", "ru"}},
	{"heishantou", 2036955, "Heishantou", "黑山头", "Heishantou", "", langRU},
	{"shiwei", 2034859, "Shiwei", "室韦", "Shiwei", "", langRU},
	{"jalai-nur", 2036595, "Jalai Nur", "扎赉诺尔", "Jalai Nur", "", langRU},
	{"ergun", 2036266, "E’erguna", "额尔古纳", "Ergun", "", langRU},
	{"dalain-hob", 2037927, "Dalain Hob", "额济纳旗达来呼布", "Dalain Hob, Ejin Banner", "", langMN},
	{"haliut", 2037045, "Haliut", "乌拉特中旗海流图", "Haliut, Urad Middle Banner", "", langMN},
	{"uliastai", 2034292, "Uliastai", "东乌珠穆沁旗", "East Ujimqin Banner", "", langMN},
	{"mandalt", 2035850, "Mandalt", "苏尼特左旗", "Sonid Left Banner", "", langMN},
	{"saihan-tal", 2035202, "Saihan Tal", "苏尼特右旗", "Sonid Right Banner", "", langMN},
	{"bieligutai", 8054115, "Bieligutai", "阿巴嘎旗别力古台", "Bieligutai, Abag Banner", "", langMN},
	{"bailingmiao", 2038552, "Bailingmiao", "百灵庙", "Bailingmiao", "", langMN},
	{"amgalang", 2038656, "Amgalang", "新巴尔虎左旗", "New Barag Left Banner", "", langRU},
	{"altan-emel", 8910920, "Alatan'molezhen", "新巴尔虎右旗", "New Barag Right Banner", "", langRU},
	{"arxan", 8054538, "Wenquan", "阿尔山", "Arxan", "", langMN},
	{"hohhot", 2036892, "Hohhot", "呼和浩特", "Hohhot", "", langMN},
	{"baotou", 2038432, "Baotou", "包头", "Baotou", "", langMN},
	{"wuhai", 1791249, "Wuhai", "乌海", "Wuhai", "", langMN},
	{"chifeng", 2038067, "Chifeng", "赤峰", "Chifeng", "", langMN},
	{"tongliao", 2034400, "Tongliao", "通辽", "Tongliao", "", langMN},
	{"ordos", 8347664, "Ordos", "鄂尔多斯", "Ordos", "", langMN},
	{"hailar", 2037078, "Hailar", "海拉尔", "Hailar", "", langRU},
	{"bayan-nur", 11838258, "Bayan Nur", "巴彦淖尔", "Bayan Nur", "", langMN},
	{"jining", 2036458, "Jining", "集宁", "Jining", "", langMN},
	{"ulanhot", 2034312, "Ulanhot", "乌兰浩特", "Ulanhot", "", langMN},
	{"xilinhot", 2033824, "Xilin Hot", "锡林浩特", "Xilinhot", "", langMN},
	{"bayanhot", 1816821, "Bayan Hot", "巴彦浩特", "Bayanhot", "", langMN},
	{"dongsheng", 1812256, "Dongsheng", "东胜", "Dongsheng", "", langMN},
	{"wuda", 1791325, "Wuda", "乌达", "Wuda", "", langMN},
	{"lasengmiao", 1804271, "Lasengmiao", "拉僧庙", "Lasengmiao", "", langMN},
	{"shulinzhao", 2034758, "Shulinzhao", "树林召", "Shulinzhao", "", langMN},
	{"xuejiawan", 8051687, "Xuejiawan", "薛家湾", "Xuejiawan", "", langMN},
	{"altan-xiret", 1818130, "Altan Xiret", "阿勒腾席热", "Altan Xiret", "", langMN},
	{"galutu", 8052067, "Galutu", "嘎鲁图", "Galutu", "", langMN},
	{"pingzhuang", 2035453, "Pingzhuang", "平庄", "Pingzhuang", "", langMN},
	{"baorixile", 8440119, "Baorixile", "宝日希勒", "Baorixile", "", langMN},
	{"yiminhe", 8443824, "Yiminhe", "伊敏河", "Yiminhe", "", langMN},
	{"zhuozishan", 2033067, "Zhuozishan", "卓资山", "Zhuozishan", "", langMN},
	{"salaqi", 2035196, "Salaqi", "萨拉齐", "Salaqi", "", langMN},
	{"xishanzui", 2033618, "Xishanzui", "西山咀", "Xishanzui", "", langMN},
	{"mianduhe", 2035776, "Mianduhe", "免渡河", "Mianduhe", "", langMN},
	{"yakeshi", 2033536, "Yakeshi", "牙克石", "Yakeshi", "", langMN},
	{"zhalantun", 2033225, "Zhalantun", "扎兰屯", "Zhalantun", "", langMN},
	{"boketu", 8541935, "Boketu", "博克图", "Boketu", "", langMN},
	{"daban", 2038025, "Daban", "大板", "Daban", "", langMN},
	{"jingpeng", 2036472, "Jingpeng", "经棚", "Jingpeng", "", langMN},
	{"kailu", 2036341, "Kailu", "开鲁", "Kailu", "", langMN},
	{"changshun", 2036779, "Changshun", "化德长顺", "Changshun, Huade County", "", langMN},
	{"xin-bulag", 2033791, "Xin Bulag", "新宝拉格", "Xin Bulag", "", langMN},
	{"shangdu", 8054418, "Shangdu", "上都", "Shangdu", "", langMN},
	{"ulan", 1792283, "Ulan", "鄂托克旗乌兰", "Ulan, Otog Banner", "", langMN},
	{"ehen-hudag", 1811746, "Ehen Hudag", "阿拉善右旗", "Alxa Right Banner", "", langMN},
	{"genhe", 2037252, "Genhe", "根河", "Genhe", "", langMN},
	{"duolun", 2037530, "Duolun", "多伦", "Duolun", "", langMN},
	{"lindong", 2036082, "Lindong", "林东", "Lindong", "", langMN},
	{"xinhui", 2033707, "Xinhui", "新惠", "Xinhui", "", langMN},
	{"daqin-tal", 2037844, "Daqin Tal", "大沁他拉", "Daqin Tal", "", langMN},
	{"lubei", 2035930, "Lubei", "鲁北", "Lubei", "", langMN},
	{"inder", 2036602, "Inder", "音德尔", "Inder", "", langMN},
	{"tuquan", 2034323, "Tuquan", "突泉", "Tuquan", "", langMN},
	{"ulan-hua", 2034310, "Ulan Hua", "乌兰花", "Ulan Hua", "", langMN},
	{"qasq", 2035416, "Qasq", "察素齐", "Qasq", "", langMN},
	{"bayan-tuohai", 2038377, "Bayan Tuohai", "巴彦托海", "Bayan Tuohai", "", langMN},
	{"oroqen", 2038665, "Oroqen Zizhiqi", "鄂伦春自治旗", "Oroqen Banner", "", langMN},
	{"wudan", 2034135, "Wudan", "乌丹", "Wudan", "", langMN},
}

// template is a kind of example station: what such a place typically
// offers according to the project brief. The figures are illustrative.
type template struct {
	kind      string
	zh, en    string // name suffixes
	amenities []string
	hours     string
	capacity  int // people a day
	beds      int
	parking   int // truck parking spaces
	area      int // m²
}

var templates = map[string]template{
	"driver-home": {
		kind: "driver_home", zh: "国际司机之家", en: "international driver home",
		amenities: []string{"drinking_water", "hot_meal", "microwave", "toilet", "rest_area", "shower", "beds", "truck_parking", "wifi", "phone_charging", "first_aid", "laundry"},
		hours:     "24/7", capacity: 800, beds: 60, parking: 200, area: 1500,
	},
	"driver-rest": {
		kind: "driver_home", zh: "司机短休驿站", en: "driver short-rest station",
		amenities: []string{"drinking_water", "hot_meal", "microwave", "toilet", "rest_area", "truck_parking", "wifi", "phone_charging"},
		hours:     "Mo-Su 06:00-23:00", capacity: 300, parking: 40, area: 200,
	},
	"driver-station": {
		kind: "driver_home", zh: "司机之家", en: "driver home",
		amenities: []string{"drinking_water", "hot_meal", "microwave", "toilet", "rest_area", "shower", "beds", "truck_parking", "wifi", "phone_charging"},
		hours:     "24/7", capacity: 200, beds: 16, parking: 60, area: 400,
	},
	"union-station": {
		kind: "union_station", zh: "户外劳动者工会驿站", en: "union station for outdoor workers",
		amenities: []string{"drinking_water", "microwave", "toilet", "rest_area", "phone_charging", "first_aid"},
		hours:     "Mo-Su 08:00-20:00", capacity: 80, area: 40,
	},
	"worker-home": {
		kind: "worker_home", zh: "职工之家", en: "worker home",
		amenities: []string{"drinking_water", "toilet", "rest_area", "wifi", "library", "counselling", "legal_aid"},
		hours:     "Mo-Fr 08:30-12:00,14:30-18:00; Sa 09:00-12:00", capacity: 150, area: 600,
	},
	"labour-station": {
		kind: "labour_station", zh: "劳动驿站", en: "labour station",
		amenities: []string{"drinking_water", "hot_meal", "microwave", "toilet", "rest_area", "shower", "first_aid"},
		hours:     "Mo-Sa 07:00-19:00; Su off", capacity: 120, area: 150,
	},
	"rest-stop": {
		kind: "rest_stop", zh: "公路休息站", en: "road rest stop",
		amenities: []string{"drinking_water", "hot_meal", "toilet", "rest_area", "truck_parking", "phone_charging"},
		hours:     "24/7", parking: 50, area: 300,
	},
	"service-center": {
		kind: "service_center", zh: "职工服务中心", en: "worker service centre",
		amenities: []string{"drinking_water", "toilet", "rest_area", "wifi", "library", "counselling", "legal_aid", "first_aid"},
		hours:     "Mo-Fr 08:00-18:00; Sa 09:00-12:00", capacity: 300, area: 1500,
	},
}

// example is one illustrative station at a town centre. Zero fields take
// the template's value.
type example struct {
	tpl       string
	town      string
	suffix    string // id suffix when a town has two of one kind
	hours     string
	status    string
	languages []string
	extra     []string // amenities added to the template's
}

// examples lists every example station. Order is the output order.
var examples = []example{
	// Driver homes at the port towns and the trucking hubs behind them.
	{tpl: "driver-home", town: "manzhouli", languages: []string{"zh", "ru", "mn", "en"}},
	{tpl: "driver-rest", town: "manzhouli", suffix: "short-rest"},
	{tpl: "driver-home", town: "erenhot", languages: []string{"zh", "mn", "ru", "en"}},
	{tpl: "driver-rest", town: "erenhot", suffix: "short-rest", hours: "24/7"},
	{tpl: "driver-station", town: "heishantou", hours: "Mo-Su 07:00-21:00"},
	{tpl: "driver-station", town: "shiwei", status: "planned"},
	{tpl: "driver-station", town: "jalai-nur"},
	{tpl: "driver-home", town: "dalain-hob"},
	{tpl: "driver-home", town: "haliut"},
	{tpl: "driver-station", town: "uliastai"},
	{tpl: "driver-station", town: "altan-emel", hours: "Mo-Su 06:00-22:00"},
	{tpl: "driver-station", town: "arxan"},
	{tpl: "driver-station", town: "bailingmiao"},
	{tpl: "driver-home", town: "jining"},
	{tpl: "driver-home", town: "baotou"},
	{tpl: "driver-station", town: "wuhai"},
	{tpl: "driver-station", town: "dongsheng", extra: []string{"laundry"}},

	// Union stations: Xilingol's border banners first, then towns across the region.
	{tpl: "union-station", town: "erenhot", hours: "24/7", extra: []string{"hot_meal"}},
	{tpl: "union-station", town: "mandalt"},
	{tpl: "union-station", town: "saihan-tal"},
	{tpl: "union-station", town: "bieligutai", hours: "Mo-Su 08:00-12:00,14:00-20:00"},
	{tpl: "union-station", town: "uliastai", hours: "24/7"},
	{tpl: "union-station", town: "xilinhot", extra: []string{"wifi"}},
	{tpl: "union-station", town: "xin-bulag", status: "planned"},
	{tpl: "union-station", town: "manzhouli", hours: "24/7"},
	{tpl: "union-station", town: "hohhot", hours: "24/7", extra: []string{"wifi"}},
	{tpl: "union-station", town: "baotou"},
	{tpl: "union-station", town: "chifeng", hours: "Mo-Su 07:00-21:00"},
	{tpl: "union-station", town: "tongliao"},
	{tpl: "union-station", town: "hailar", extra: []string{"hot_meal"}},
	{tpl: "union-station", town: "ulanhot"},
	{tpl: "union-station", town: "jining", hours: "Mo-Fr 07:00-20:00; Sa-Su 09:00-17:00"},
	{tpl: "union-station", town: "ordos"},
	{tpl: "union-station", town: "bayan-nur"},
	{tpl: "union-station", town: "yakeshi"},
	{tpl: "union-station", town: "zhalantun"},
	{tpl: "union-station", town: "genhe", hours: "Mo-Su 08:00-18:00"},
	{tpl: "union-station", town: "ergun"},
	{tpl: "union-station", town: "lindong"},
	{tpl: "union-station", town: "xinhui"},
	{tpl: "union-station", town: "daqin-tal"},
	{tpl: "union-station", town: "lubei"},
	{tpl: "union-station", town: "inder"},
	{tpl: "union-station", town: "tuquan"},
	{tpl: "union-station", town: "ulan-hua"},
	{tpl: "union-station", town: "wudan"},
	{tpl: "union-station", town: "bayan-tuohai"},
	{tpl: "union-station", town: "oroqen", hours: "Mo-Su 08:00-18:00"},
	{tpl: "union-station", town: "amgalang"},

	// Worker homes in the 12 league seats and the two big port towns.
	{tpl: "worker-home", town: "hohhot", extra: []string{"laundry"}},
	{tpl: "worker-home", town: "baotou"},
	{tpl: "worker-home", town: "wuhai"},
	{tpl: "worker-home", town: "chifeng"},
	{tpl: "worker-home", town: "tongliao"},
	{tpl: "worker-home", town: "ordos"},
	{tpl: "worker-home", town: "hailar"},
	{tpl: "worker-home", town: "bayan-nur"},
	{tpl: "worker-home", town: "jining"},
	{tpl: "worker-home", town: "ulanhot"},
	{tpl: "worker-home", town: "xilinhot"},
	{tpl: "worker-home", town: "bayanhot"},
	{tpl: "worker-home", town: "manzhouli", hours: "Mo-Su 09:00-21:00"},
	{tpl: "worker-home", town: "erenhot", hours: "Mo-Su 09:00-21:00"},

	// Labour stations in mining, energy and construction towns.
	{tpl: "labour-station", town: "shulinzhao"},
	{tpl: "labour-station", town: "xuejiawan"},
	{tpl: "labour-station", town: "altan-xiret"},
	{tpl: "labour-station", town: "galutu"},
	{tpl: "labour-station", town: "wuda", hours: "24/7"},
	{tpl: "labour-station", town: "lasengmiao"},
	{tpl: "labour-station", town: "pingzhuang"},
	{tpl: "labour-station", town: "baorixile", hours: "Mo-Su 06:00-22:00"},
	{tpl: "labour-station", town: "yiminhe"},

	// Rest stops at towns on the main road corridors.
	{tpl: "rest-stop", town: "zhuozishan"},
	{tpl: "rest-stop", town: "salaqi"},
	{tpl: "rest-stop", town: "xishanzui"},
	{tpl: "rest-stop", town: "mianduhe"},
	{tpl: "rest-stop", town: "boketu", hours: "Mo-Su 06:00-22:00"},
	{tpl: "rest-stop", town: "daban"},
	{tpl: "rest-stop", town: "jingpeng"},
	{tpl: "rest-stop", town: "kailu"},
	{tpl: "rest-stop", town: "changshun"},
	{tpl: "rest-stop", town: "shangdu"},
	{tpl: "rest-stop", town: "ulan"},
	{tpl: "rest-stop", town: "ehen-hudag", extra: []string{"shower"}},
	{tpl: "rest-stop", town: "saihan-tal", extra: []string{"shower"}},
	{tpl: "rest-stop", town: "qasq"},
	{tpl: "rest-stop", town: "duolun", hours: "Mo-Su 06:00-23:00"},

	// Service centres in league seats.
	{tpl: "service-center", town: "hohhot"},
	{tpl: "service-center", town: "baotou"},
	{tpl: "service-center", town: "chifeng"},
	{tpl: "service-center", town: "tongliao"},
	{tpl: "service-center", town: "hailar"},
	{tpl: "service-center", town: "xilinhot"},
	{tpl: "service-center", town: "ordos", hours: "Mo-Fr 08:30-17:30"},
	{tpl: "service-center", town: "ulanhot"},
}

// exampleRecords builds the example stations. Each sits exactly on the
// GeoNames point of its town; its source says it is an example.
func exampleRecords(src *sources) ([]record, error) {
	byKey := make(map[string]town, len(towns))
	for _, t := range towns {
		if _, dup := byKey[t.key]; dup {
			return nil, fmt.Errorf("town %s listed twice", t.key)
		}
		byKey[t.key] = t
	}
	var out []record
	for i, ex := range examples {
		t, ok := byKey[ex.town]
		if !ok {
			return nil, fmt.Errorf("example %d: unknown town %q", i, ex.town)
		}
		tpl, ok := templates[ex.tpl]
		if !ok {
			return nil, fmt.Errorf("example %d: unknown template %q", i, ex.tpl)
		}
		place, ok := src.places[t.geonameID]
		if !ok {
			return nil, fmt.Errorf("town %s: geonameid %d not in the places file", t.key, t.geonameID)
		}
		if place.Properties.Name != t.geonamesName {
			return nil, fmt.Errorf("town %s: geonameid %d is %q, want %q", t.key, t.geonameID, place.Properties.Name, t.geonamesName)
		}
		if place.Geometry.Type != "Point" || len(place.Geometry.Coordinates) != 2 {
			return nil, fmt.Errorf("town %s: geometry is not a 2D point", t.key)
		}
		region := t.region
		if region == "" {
			region = place.Properties.LeagueZH
		}
		id := "example-" + strings.ReplaceAll(tpl.kind, "_", "-") + "-" + t.key
		if ex.suffix != "" {
			id += "-" + ex.suffix
		}
		hours := tpl.hours
		if ex.hours != "" {
			hours = ex.hours
		}
		status := "open"
		if ex.status != "" {
			status = ex.status
		}
		langs := t.languages
		if ex.languages != nil {
			langs = ex.languages
		}
		amenities := append(append([]string{}, tpl.amenities...), ex.extra...)
		// Vary the illustrative figures a little, deterministically, so
		// that not every station of a kind looks the same.
		f := 70 + (i*37)%61 // percent, 70..130
		out = append(out, record{
			Type:     "Feature",
			ID:       id,
			Geometry: pointGeom{"Point", [2]float64{place.Geometry.Coordinates[0], place.Geometry.Coordinates[1]}},
			Properties: recordProps{
				Kind:               tpl.kind,
				Names:              names{ZH: t.zh + tpl.zh + "（示例）", EN: t.en + " " + tpl.en + " (example)"},
				Amenities:          canonicalAmenities(amenities),
				OpeningHours:       hours,
				CapacityPerDay:     scale(tpl.capacity, f, 10),
				Beds:               scale(tpl.beds, f, 2),
				TruckParkingSpaces: scale(tpl.parking, f, 5),
				AreaM2:             scale(tpl.area, f, 10),
				Languages:          langs,
				Region:             region,
				Status:             status,
				UpdatedAt:          updatedAt,
				Source: fmt.Sprintf("Illustrative example, not a surveyed site: placed at the GeoNames cities500 town centre of %s (geonameid %d). "+
					"Its amenities, opening hours and figures are illustrative; no open source gives real service-station positions yet.",
					t.geonamesName, t.geonameID),
			},
		})
	}
	return out, nil
}

// allAmenities is the canonical amenity order, data.Amenities.
var allAmenities = func() []string {
	var out []string
	for _, a := range data.Amenities() {
		out = append(out, string(a))
	}
	return out
}()

// canonicalAmenities returns the amenities in canonical order without
// duplicates; an unknown name is kept at the end so validation reports it.
func canonicalAmenities(in []string) []string {
	seen := map[string]bool{}
	for _, a := range in {
		seen[a] = true
	}
	out := []string{}
	for _, a := range allAmenities {
		if seen[a] {
			out = append(out, a)
			delete(seen, a)
		}
	}
	for _, a := range in {
		if seen[a] {
			out = append(out, a)
			delete(seen, a)
		}
	}
	return out
}

// scale returns v×pct/100 rounded to a multiple of step (at least step),
// or 0 when v is 0.
func scale(v, pct, step int) int {
	if v == 0 {
		return 0
	}
	s := (v*pct/100 + step/2) / step * step
	if s < step {
		s = step
	}
	return s
}

// buildStations returns the records FeatureCollection: the located ports,
// then the example stations, one feature per line.
func buildStations(src *sources) ([]byte, error) {
	ports, err := portRecords(src)
	if err != nil {
		return nil, err
	}
	ex, err := exampleRecords(src)
	if err != nil {
		return nil, err
	}
	all := append(ports, ex...)
	seen := map[string]bool{}
	var buf bytes.Buffer
	buf.WriteString("{\"type\":\"FeatureCollection\",\"name\":\"yizhan_bundled_inner_mongolia\",\"features\":[\n")
	for i, r := range all {
		if seen[r.ID] {
			return nil, fmt.Errorf("duplicate id %s", r.ID)
		}
		seen[r.ID] = true
		b, err := marshal(r)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", r.ID, err)
		}
		buf.Write(b)
		if i < len(all)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]}\n")
	return buf.Bytes(), nil
}
